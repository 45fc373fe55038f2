"""Given a person on a link worker's caseload, when the link worker refers them to an
activity and the provider accepts, records attendance and completes it, then the link
worker sees each step; every page passes axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_refer_accept_attend_complete(page, link_worker, provider, active_referral, area):
    factories.activity(
        area=area, name="Happy Cafe", owner=provider.organisation, capacity=3, maximum=10
    )
    person = active_referral.person

    # Given the link worker on the person's page, when they find and refer to an activity…
    sign_in(page, link_worker)
    page.goto(f"/cases/{active_referral.pk}/")
    page.get_by_role("link", name=f"Find activities for {person.full_name}").click()
    page.get_by_role("button", name="Refer to Happy Cafe").click()
    expect(page.get_by_role("heading", name="Refer to Happy Cafe")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Anything they agreed you can tell the provider").fill(
        "Would like to be met at the door"
    )
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("Referral sent to")).to_be_visible()
    expect(page.get_by_text("Waiting for the provider")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # …the provider sees it, accepts with a first session, records attendance, completes.
    sign_in(page, provider)
    expect(page.get_by_role("heading", name="Referrals to your activities")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=person.full_name).click()
    expect(page.get_by_text("Would like to be met at the door")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Yes, we have a place").check()
    fill_date(page, "Date of their first session", timezone.localdate() + timedelta(days=2))
    page.get_by_label("Start time").fill("10:00")
    assert_accessible(page)
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Accepted.")).to_be_visible()
    fill_date(page, "Date of the session", timezone.localdate())
    page.get_by_role("group", name="Did they come?").get_by_label("Yes").check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_text("Attendance recorded.")).to_be_visible()
    page.get_by_label("They completed it").check()
    page.get_by_role("button", name="Record the end").click()
    expect(page.get_by_text("Recorded. The link worker has been told.")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # Then the link worker sees every step.
    sign_in(page, link_worker)
    page.goto(f"/cases/{active_referral.pk}/")
    expect(page.get_by_text("Happy Cafe accepted them")).to_be_visible()
    expect(page.get_by_text("Happy Cafe: completed")).to_be_visible()
    page.get_by_role("link", name="Happy Cafe").first.click()
    for step in ["Referral sent", "Accepted", "Taking part", "Completed"]:
        expect(page.get_by_text(step, exact=True).first).to_be_visible()
    assert_accessible(page)
