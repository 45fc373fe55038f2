"""Every page works without JavaScript: the conditional parts of forms are simply shown."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from referrals.states import Status
from tests.browser.sign_in import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_triage_decline_without_javascript(browser, live_server, team_lead, referral):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, team_lead)
    page.get_by_role("link", name=referral.person.full_name).click()
    page.get_by_label("Decline").check()
    page.get_by_label("Needs clinical care first").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(f"Referral for {referral.person.full_name} declined.")).to_be_visible()
    context.close()
    assert Referral.objects.get(pk=referral.pk).status == Status.DECLINED
