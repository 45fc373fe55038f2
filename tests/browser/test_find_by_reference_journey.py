"""A person phones and reads out their reference: the team lead types it as heard (lower
case, spaces) from the triage page and opens their record; their GP does the same from
the practice's list. Every page on the way has no axe violations."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BOX = "Find a person by name, NHS number or referral reference"


def as_heard(reference: str) -> str:
    return " ".join(reference.replace("-", "").lower())


def test_the_team_lead_and_the_gp_find_a_referral_by_its_reference(
    page, team_lead, referrer, referral
):
    sign_in(page, team_lead)
    page.goto("/referrals/triage/")
    assert_accessible(page)
    page.get_by_label(BOX).fill(as_heard(referral.reference))
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="1 found")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=referral.person.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(referral.person.full_name)
    expect(page.locator("[data-reference]").first).to_have_text(referral.reference)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, referrer)
    page.goto("/referrals/")
    page.get_by_label(BOX).fill(referral.reference.lower())
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", name="1 found")).to_be_visible()
    page.get_by_role("link", name=referral.person.full_name).click()
    expect(page.get_by_text(referral.reference)).to_be_visible()
    assert_accessible(page)
    page.goto("/referrals/find/?q=ZZZZ+ZZZZ")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    assert_accessible(page)
