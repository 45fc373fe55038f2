"""Given someone looking for an activity, when they refer themselves, then the team lead
finds them in the triage queue marked self-referral; every page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_self_referral_reaches_the_triage_queue(page, area, service, team_lead):
    factories.practice(area=area, name="Abington Park Surgery")
    page.goto("/find/")
    page.get_by_role("link", name="Refer yourself").click()
    expect(page.get_by_role("heading", name="Refer yourself to social prescribing")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Send").click()  # nothing filled in
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Bright")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill("3")
    group.get_by_label("Month").fill("9")
    group.get_by_label("Year").fill("1987")
    page.get_by_label("Postcode").fill("NN1 5BD")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_role("radio", name="Text message").check()
    page.get_by_label("I feel lonely or cut off from people").check()
    page.get_by_label("Your GP practice").fill("Abington")
    page.get_by_label("I agree to the social prescribing service contacting me").check()
    page.wait_for_timeout(4500)  # people take a few seconds; scripts do not
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert_accessible(page)

    sign_in(page, team_lead)
    row = page.get_by_role("row", name=re.compile("Rosa Bright"))
    expect(row).to_be_visible()
    expect(row.get_by_text("Self-referral")).to_be_visible()
