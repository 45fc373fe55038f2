"""Given a GP, a team lead and a link worker, when a person is referred, triaged, allocated,
contacted and discharged, then each of them sees it happen, on accessible pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accept_and_allocate, assert_accessible, send_referral
from tests.browser.sign_in import sign_in
from tests.factories import valid_nhs_number

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to linkwork")).to_be_visible()


def test_referral_from_gp_to_discharge(page, referrer, team_lead, link_worker):
    nhs_number = valid_nhs_number()

    # Given a GP signed in, when they send the form empty, then each problem is named.
    sign_in(page, referrer, axe=True)
    page.get_by_role("link", name="Refer someone").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Send referral").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the person's first name")
    expect(summary).to_contain_text("Confirm the person agrees to be contacted")
    assert_accessible(page)

    # When they fill it in properly, then it is sent and shown as awaiting triage.
    # (The NHS number as it is often written, in three groups; the postcode in lower case.)
    send_referral(
        page,
        nhs_number=nhs_number[:3] + " " + nhs_number[3:6] + " " + nhs_number[6:],
        postcode="nn12 6ab",
        needs=("Loneliness or isolation", "Bereavement"),
        notes="Husband died in spring.",
    )
    expect(page.get_by_text("871731000000106")).to_be_visible()
    sign_out(page)

    # Given the team lead, when they accept and allocate, then the link worker holds it.
    sign_in(page, team_lead, axe=True)
    expect(page.get_by_role("heading", name="Triage", exact=True)).to_be_visible()
    assert_accessible(page)
    accept_and_allocate(page, "Margaret Okafor", link_worker.full_name)
    sign_out(page)

    # Given the link worker, when they record a contact and discharge, then it is closed.
    sign_in(page, link_worker, axe=True)
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("First contact"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Margaret Okafor").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record contact").click()
    assert_accessible(page)
    page.get_by_label("Spoke with the person").check()
    page.get_by_label("How long, in minutes").fill("35")
    page.get_by_label("Notes").fill("Talked about the choir she used to sing in.")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator(".nhsuk-tag").first).to_have_text("In contact")
    expect(page.get_by_text("First contact made")).to_be_visible()

    page.get_by_role("link", name=re.compile("Record what matters")).click()
    page.get_by_label("What matters to the person").fill("Singing again and seeing people.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Singing again and seeing people.").first).to_be_visible()

    page.get_by_role("button", name="Discharge").click()
    assert_accessible(page)
    page.get_by_label("Goals met").check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Discharged")
    assert_accessible(page)
    sign_out(page)

    # Then the GP sees the outcome on their list.
    sign_in(page, referrer, axe=True)
    page.get_by_role("link", name="Your referrals").click()
    expect(page.get_by_role("row", name=re.compile("Margaret Okafor"))).to_contain_text(
        "Discharged"
    )
