"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser)."""

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LINKWORK_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium "
            "(browser journeys never download a browser)"
        )
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # axe is injected as an inline script, which our Content-Security-Policy would refuse.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == [], "errors in the browser console"


@pytest.fixture
def strict_page(browser, live_server):
    """A page that obeys our Content-Security-Policy, to catch anything it blocks."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, problems
    context.close()


def assert_accessible(page):
    """Zero axe-core violations on the page as it is now, with no exceptions: follow-up
    questions are shown with CSS (`.lw-reveal`), never the design system's conditional reveal,
    whose script puts aria-expanded on radios (aria-allowed-attr)."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}\n{json.dumps(violations, indent=2)}"


def send_referral(page, *, nhs_number, postcode, needs=("Loneliness or isolation",), notes=""):
    """On the referral form, a GP refers Margaret Okafor, who agrees to be phoned; then her
    referral's page shows it awaiting triage."""
    from playwright.sync_api import expect

    page.get_by_label("NHS number").fill(nhs_number)
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1948")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Phone call").check()
    for need in needs:
        page.get_by_label(need).check()
    if notes:
        page.get_by_label("Anything the link worker should know").fill(notes)
    page.get_by_label("The person agrees to be contacted").check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", name="Margaret Okafor")).to_be_visible()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Awaiting triage")
    assert_accessible(page)


def accept_and_allocate(page, person, worker):
    """From the team lead's triage list: `person`'s referral accepted and given to `worker`
    (both as their names show)."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=person).click()
    assert_accessible(page)
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("heading", name=person)).to_be_visible()
    assert_accessible(page)
    page.get_by_label(worker).check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text(f"allocated to {worker}")).to_be_visible()
    assert_accessible(page)
