"""Given a person sent a questionnaire link, when they open it on a phone-sized screen,
prove their date of birth and answer one question per screen, then their link worker sees
the scores; every page passes axe."""

from datetime import date

import pytest
from playwright.sync_api import expect

from outcomes import actions
from outcomes.models import QuestionnaireRequest, Response
from referrals.models import Person
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_person_answers_on_a_phone(phone, active_referral):
    Person.objects.filter(pk=active_referral.person_id).update(texts_allowed=True)
    request = QuestionnaireRequest.objects.create(
        referral=active_referral,
        timepoint="other",
        instruments=["ucla3", "ons_loneliness"],
        due_on=date.today(),
    )
    token = actions.send_link(by=None, request=request)

    phone.goto(f"/q/{token}/")
    expect(phone.get_by_role("heading", name="How are you?")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Start").click()  # nothing entered
    expect(phone.get_by_role("link", name="Enter your date of birth")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("Day").fill("17")
    phone.get_by_label("Month").fill("5")
    phone.get_by_label("Year").fill("1960")
    phone.get_by_role("button", name="Start").click()

    expect(phone.get_by_text("Question 1 of 4")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Continue").click()  # no answer chosen
    expect(phone.get_by_text("Choose an answer, or skip this question").first).to_be_visible()
    assert_accessible(phone)
    for answer in ["Often", "Some of the time", "Often"]:
        phone.get_by_label(answer, exact=True).check()
        phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text("Question 4 of 4")).to_be_visible()
    expect(phone.get_by_role("heading", name="How often do you feel lonely?")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("Some of the time").check()
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(phone)

    ucla = Response.objects.get(instrument="ucla3")
    assert ucla.measures == {"total": "8"} and ucla.submitted_at
    request.refresh_from_db()
    assert request.status == "completed"
    # The link is spent.
    phone.goto(f"/q/{token}/")
    expect(phone.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    assert_accessible(phone)


def test_link_worker_deals_with_a_safety_alert(page, active_referral, link_worker):
    from outcomes.models import SafetyAlert

    actions.save_answers(
        by=None,
        referral=active_referral,
        code="phq9",
        answers={"self_harm": 2},
        timepoint="other",
        submit=True,
    )
    sign_in(page, link_worker)
    expect(page.get_by_text("Safety alert").first).to_be_visible()  # on the caseload
    page.goto(f"/cases/{active_referral.pk}/")
    expect(page.get_by_role("heading", name="Safety alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Open the safety alert and record what you have done").click()
    expect(page.get_by_text("More than half the days")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record what I have done").click()
    expect(page.get_by_text("Say what you have done about it").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What have you done?").fill("Phoned: safe, plan agreed, GP told")
    page.get_by_role("button", name="Record what I have done").click()
    expect(page.get_by_text("What you did is on their timeline")).to_be_visible()
    assert SafetyAlert.objects.get().acknowledged_by == link_worker
