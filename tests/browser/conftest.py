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


def enter_second_factor(page, user):
    """After the password, the code the person's authenticator app shows (every test user
    has one: tests/second_factor.py)."""
    from playwright.sync_api import expect

    from tests.second_factor import code

    heading = page.get_by_role("heading", name="Enter the code from your authenticator app")
    expect(heading).to_be_visible()
    page.get_by_label("Code", exact=True).fill(code(user))
    page.get_by_role("button", name="Continue").click()
    expect(heading).to_have_count(0)
