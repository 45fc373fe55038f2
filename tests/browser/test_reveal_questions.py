"""Follow-up questions are shown with CSS (`.lw-reveal` in linkwork.css), never the design
system's conditional reveal: its script puts aria-expanded on radios, which ARIA does not
allow (axe aria-allowed-attr). The provider's answer page had it, hidden by an exception in
conftest's assert_accessible; both are gone, and these tests keep them gone."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from onward import actions as onward_actions
from onward.models import OnwardReferral
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "static" / "css" / "linkwork.css"
TEMPLATES = [
    *ROOT.glob("*/templates/**/*.jinja"),
    *ROOT.glob("templates/**/*.jinja"),
]


def test_no_template_uses_the_design_systems_conditional_reveal():
    assert len(TEMPLATES) > 50
    offenders = [
        str(t.relative_to(ROOT))
        for t in TEMPLATES
        if re.search(r"""["']conditional["']\s*:""", t.read_text())
    ]
    assert offenders == []


def test_every_reveal_in_a_template_is_styled_and_paired():
    """Each `data-lw-reveals="N"` radio has its block, inside a `lw-reveal` form, and N is one
    linkwork.css knows; otherwise the question would show always (or never be revealed)."""
    styled = set(re.findall(r'\[data-lw-revealed-by="(\d+)"\]', CSS.read_text()))
    assert styled
    used = 0
    for template in TEMPLATES:
        text = template.read_text()
        reveals = re.findall(r"""["']data-lw-reveals["']\s*:\s*["'](\d+)["']""", text)
        blocks = re.findall(r'data-lw-revealed-by="(\d+)"', text)
        if not reveals and not blocks:
            continue
        used += 1
        name = template.relative_to(ROOT)
        assert sorted(reveals) == sorted(set(reveals)) == sorted(set(blocks)), name
        assert set(reveals) <= styled, name
        assert "lw-reveal" in re.findall(r'<form\b[^>]*class="([^"]*)"', text)[0].split(), name
    assert used >= 2  # triage and the provider's answer


def test_assert_accessible_lets_no_aria_expanded_radio_through(browser):
    """conftest used to excuse aria-expanded on radios; now it fails, like any violation."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        "<fieldset><legend>Can you take them?</legend>"
        '<input type="radio" id="a" name="a" aria-expanded="false"><label for="a">Yes</label>'
        "</fieldset></main></body></html>"
    )
    with pytest.raises(AssertionError, match="aria-allowed-attr"):
        assert_accessible(page)
    context.close()


@pytest.fixture
def sent(active_referral, link_worker, provider, area):
    listing = factories.activity(area=area, name="Happy Cafe", owner=provider.organisation)
    return onward_actions.refer_to_activity(
        by=link_worker, referral=active_referral, service=listing
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_provider_answer_reveals_questions_and_passes_axe_in_every_state(page, provider, sent):
    sign_in(page, provider)
    page.goto(f"/provider/referrals/{sent.pk}/")
    when = page.get_by_role("group", name="Date of their first session")
    why = page.get_by_role("group", name="Why can you not take them?")
    expect(when).to_be_hidden()
    expect(why).to_be_hidden()
    assert_accessible(page)

    page.get_by_label("Yes, we have a place").check()
    expect(when).to_be_visible()
    expect(page.get_by_label("Start time")).to_be_visible()
    expect(why).to_be_hidden()
    assert_accessible(page)
    page.get_by_label("Not yet: add them to our waiting list").check()
    expect(when).to_be_hidden()
    expect(why).to_be_hidden()
    page.get_by_label("No", exact=True).check()
    expect(why).to_be_visible()
    expect(page.get_by_label("Anything the link worker should know")).to_be_visible()
    expect(when).to_be_hidden()
    assert_accessible(page)
    assert page.locator("input[type=radio][aria-expanded]").count() == 0

    # Declining without a reason: the error shows beside the (visible) question.
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(why).to_be_visible()
    assert_accessible(page)
    why.get_by_label("Full, with no waiting list").check()
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Thank you. The link worker has been told.")).to_be_visible()
    sent.refresh_from_db()
    assert sent.decline_reason == OnwardReferral.DeclineReason.FULL


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_provider_declines_without_javascript(browser, live_server, provider, sent):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, provider)
    page.goto(f"/provider/referrals/{sent.pk}/")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("group", name="Why can you not take them?").get_by_label(
        "Not suitable for them"
    ).check()
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Thank you. The link worker has been told.")).to_be_visible()
    context.close()
    sent.refresh_from_db()
    assert sent.decline_reason == OnwardReferral.DeclineReason.NOT_SUITABLE
