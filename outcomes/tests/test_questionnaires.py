"""Questionnaires scheduled, sent, chased, completed by the person through a one-time link
or with their link worker; safety alerts end to end; the message back to the GP."""

import json
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError
from notifications.models import Message
from outcomes import actions
from outcomes.models import MessageBack, QuestionnaireRequest, Response, SafetyAlert
from referrals.models import Person, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()
DOB = date(1960, 5, 17)  # the factory's
START = datetime(2026, 11, 26, 9, tzinfo=LONDON)  # a Thursday, in working hours
SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "mind"]


def page(response):
    return unescape(response.content.decode())


def fill_dob(day=DOB):
    return {
        "date_of_birth[day]": day.day,
        "date_of_birth[month]": day.month,
        "date_of_birth[year]": day.year,
    }


# Scheduling and chasing


def test_first_contact_schedules_baseline_and_follow_ups(active_referral):
    requests = {r.timepoint: r for r in active_referral.questionnaire_requests.all()}
    assert set(requests) == {"baseline", "month-3", "month-6"}
    first = timezone.localdate(active_referral.first_contact_at)
    assert requests["baseline"].due_on == first
    assert requests["month-3"].due_on.month == (first.month + 2) % 12 + 1
    assert requests["baseline"].instruments == ["ons4", "swemwbs", "ucla3", "ons_loneliness"]


def test_extra_measures_for_their_needs(referrer, service, team_lead, link_worker):
    referral = factories.referral(by=referrer, service=service, needs=("low-mood", "anxiety"))
    referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    factories.contact(referral, by=link_worker)
    baseline = referral.questionnaire_requests.get(timepoint="baseline")
    assert {"phq9", "gad7"} <= set(baseline.instruments)


# The clock stops at START before any fixture is built, so the case, its first contact and
# the baseline due that day all happen then, whatever the date the suite runs on.
@pytest.mark.time_machine(START, tick=False)
def test_sent_then_two_reminders_then_the_link_worker_is_told(
    time_machine, texting, baseline, link_worker
):
    assert actions.run_clock()["sent"] == 1
    baseline.refresh_from_db()
    assert baseline.status == "sent"
    link = Message.objects.get(template__code="questionnaire_link")
    assert "/q/" in link.body and link.to == "07700900982"
    time_machine.move_to(START + timedelta(days=7))
    assert actions.run_clock()["reminded"] == 1
    time_machine.move_to(START + timedelta(days=14))
    assert actions.run_clock()["reminded"] == 1
    time_machine.move_to(START + timedelta(days=20))
    assert actions.run_clock() == {"sent": 0, "reminded": 0, "told": 0, "escalated": 0}
    time_machine.move_to(START + timedelta(days=21))
    assert actions.run_clock()["told"] == 1
    assert actions.run_clock()["told"] == 0  # once
    assert Message.objects.filter(template__code="questionnaire_reminder").count() == 2
    assert Message.objects.filter(
        template__code="questionnaires_need_you", to_user=link_worker
    ).exists()
    assert ReferralEvent.objects.filter(
        referral=texting, summary="Baseline questionnaires need you"
    ).exists()


def test_no_texts_or_emails_means_the_link_worker_is_told_at_once(active_referral, link_worker):
    assert actions.run_clock()["told"] == 1
    event = ReferralEvent.objects.get(
        referral=active_referral, summary="Baseline questionnaires need you"
    )
    assert "not agreed to texts or emails" in event.detail
    assert not Message.objects.filter(template__code="questionnaire_link").exists()


# The one-time link


def test_the_person_answers_on_their_own_phone(client, baseline, texting):
    token = actions.send_link(by=None, request=baseline)
    start = reverse("outcomes:answer_start", args=[token])
    body = page(client.get(start))
    assert texting.person.family_name not in body  # nothing personal before the date of birth
    response = client.post(start, fill_dob())
    assert response.status_code == 302
    # One question per screen until the end, saved as they go.
    for _ in range(30):
        url = response["Location"]
        if "/done/" in url:
            break
        screen = page(client.get(url))
        assert "Question" in screen
        code, number = url.rstrip("/").split("/")[-2:]
        answer = "3" if code == "swemwbs" else "1"
        if code == "swemwbs" and number == "7":
            response = client.post(url, {"skip": "1"})  # they would rather not say
        else:
            response = client.post(url, {"answer": answer})
        assert response.status_code == 302
    assert "Thank you" in page(client.get(response["Location"]))
    baseline.refresh_from_db()
    assert baseline.status == "completed"
    swemwbs = Response.objects.get(request=baseline, instrument="swemwbs")
    assert swemwbs.skipped == ["mind"] and swemwbs.measures == {}  # never prorated
    ucla = Response.objects.get(request=baseline, instrument="ucla3")
    assert ucla.measures == {"total": "3"} and ucla.completed_by == "person"
    # The link is spent: using it again shows the same page as any unusable link.
    again = client.get(start)
    assert again.status_code == 410 and "This link cannot be used" in page(again)


def test_wrong_dates_of_birth_lock_the_link_and_tell_the_link_worker(client, baseline):
    token = actions.send_link(by=None, request=baseline)
    start = reverse("outcomes:answer_start", args=[token])
    for _ in range(actions.MAX_DOB_ATTEMPTS - 1):
        body = page(client.post(start, fill_dob(date(1970, 1, 1))))
        assert "does not match" in body
    locked = client.post(start, fill_dob(date(1970, 1, 1)))
    assert locked.status_code == 410
    # Even the right date now gets nowhere.
    assert client.post(start, fill_dob()).status_code == 410
    baseline.refresh_from_db()
    assert baseline.locked_at is not None
    assert ReferralEvent.objects.filter(summary__contains="link locked").exists()


def test_expired_unknown_and_guessed_links_all_look_the_same(client, baseline):
    token = actions.send_link(by=None, request=baseline)
    with time_machine.travel(timezone.now() + timedelta(days=actions.LINK_DAYS, minutes=1)):
        expired = client.get(reverse("outcomes:answer_start", args=[token]))
    unknown = client.get(reverse("outcomes:answer_start", args=["x" * 43]))
    assert expired.status_code == unknown.status_code == 410

    def without_nonce(response):
        return re.sub(r'nonce="[^"]+"', "", page(response))

    assert without_nonce(expired) == without_nonce(unknown)


def test_questions_need_the_date_of_birth_first(client, baseline):
    token = actions.send_link(by=None, request=baseline)
    url = reverse("outcomes:answer_question", args=[token, "ons4", 1])
    assert client.get(url)["Location"] == reverse("outcomes:answer_start", args=[token])
    assert client.post(url, {"answer": "5"}).status_code == 302
    assert not Response.objects.exists()


def test_the_database_holds_only_a_hash_of_the_token(baseline):
    token = actions.send_link(by=None, request=baseline)
    assert token not in json.dumps(list(baseline.links.values()), default=str)


# Safety


@pytest.fixture
def phq9(texting):
    return QuestionnaireRequest.objects.create(
        referral=texting, timepoint="other", instruments=["phq9"], due_on=timezone.localdate()
    )


def test_a_risk_answer_raises_an_alert_at_once_and_shows_help(
    client, phq9, texting, link_worker, team_lead
):
    token = actions.send_link(by=None, request=phq9)
    client.post(reverse("outcomes:answer_start", args=[token]), fill_dob())
    response = client.post(
        reverse("outcomes:answer_question", args=[token, "phq9", 9]), {"answer": "1"}
    )
    assert response["Location"] == reverse("outcomes:answer_support", args=[token])
    help_page = page(client.get(response["Location"]))
    assert "116 123" in help_page and "999" in help_page
    alert = SafetyAlert.objects.get()
    assert alert.answer == "Several days" and alert.acknowledged_at is None
    recipients = set(
        Message.objects.filter(template__code="safety_alert").values_list("to_user", flat=True)
    )
    assert recipients == {link_worker.pk, team_lead.pk}
    # On screen for the link worker and the team lead, until someone acts.
    for user in (link_worker, team_lead):
        client.force_login(user)
        case = page(client.get(reverse("casework:case", args=[texting.pk])))
        assert "Safety alert" in case
    alert_url = reverse("outcomes:alert", args=[alert.pk])
    assert "Say what you have done" in page(client.post(alert_url, {"action_taken": " "}))
    client.post(alert_url, {"action_taken": "Phoned her: safe, has a plan, GP told"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == team_lead
    with pytest.raises(ActionError, match="already dealt with"):
        actions.acknowledge_alert(by=link_worker, alert=alert, action_taken="Also rang")


@pytest.mark.time_machine(START, tick=False)
def test_an_alert_left_alone_for_an_hour_goes_to_the_team_leads_again(
    time_machine, texting, link_worker, team_lead
):
    actions.save_answers(
        by=link_worker,
        referral=texting,
        code="phq9",
        answers={"self_harm": 2},
        timepoint="other",
        submit=True,
    )
    time_machine.move_to(START + timedelta(minutes=59))
    assert actions.run_clock()["escalated"] == 0
    time_machine.move_to(START + timedelta(minutes=61))
    assert actions.run_clock()["escalated"] == 1
    assert Message.objects.filter(
        template__code="safety_alert_escalation", to_user=team_lead
    ).exists()


def test_link_worker_completes_with_the_person(client, link_worker, baseline, texting):
    client.force_login(link_worker)
    url = reverse("outcomes:complete", args=[texting.pk, baseline.pk, "gad7"])
    assert client.get(url).status_code == 404  # not part of this questionnaire
    url = reverse("outcomes:complete", args=[texting.pk, baseline.pk, "ucla3"])
    response = client.post(url, {"companionship": "3", "left_out": "2", "isolated": "3"})
    assert response.status_code == 302
    saved = Response.objects.get(instrument="ucla3")
    assert saved.measures == {"total": "8"} and saved.recorded_by == link_worker
    bad = page(client.post(url, {"companionship": "7"}))
    assert "Select a valid choice" in bad
    fhir = client.get(reverse("outcomes:response_fhir", args=[texting.pk, saved.pk])).json()
    assert fhir["resourceType"] == "QuestionnaireResponse" and fhir["status"] == "completed"
    assert fhir["item"][0]["answer"][0]["valueCoding"]["code"] == "3"
    definition = client.get(reverse("outcomes:questionnaire_fhir", args=["swemwbs"])).json()
    assert definition["resourceType"] == "Questionnaire" and len(definition["item"]) == 7
    assert "University of Warwick" in definition["copyright"]


def test_progress_chart_and_change_on_the_persons_page(client, link_worker, texting):
    with time_machine.travel(timezone.now() - timedelta(days=90)):
        actions.save_answers(
            by=link_worker, referral=texting, code="swemwbs", timepoint="baseline",
            answers=dict.fromkeys(SWEMWBS, 3),
            submit=True,
        )  # fmt: skip
    actions.save_answers(
        by=link_worker, referral=texting, code="swemwbs", timepoint="month-3",
        answers=dict.fromkeys(SWEMWBS, 4),
        submit=True,
    )  # fmt: skip
    client.force_login(link_worker)
    body = page(client.get(reverse("casework:case", args=[texting.pk])))
    assert "<svg" in body and "19.25" in body and "25.03" in body
    assert "+5.78 (meaningful improvement)" in body


# The message back to the GP


def discharged(referral, link_worker, code="goals-met"):
    from casework.actions import discharge_case
    from referrals.models import DischargeReason

    referral.refresh_from_db()
    return discharge_case(
        by=link_worker,
        referral=referral,
        version=referral.version,
        reason=DischargeReason.objects.get(code=code),
    )


def test_discharge_sends_a_summary_when_they_chose_it(client, texting, link_worker, referrer):
    from casework.actions import record_what_matters

    record_what_matters(
        by=link_worker, referral=texting, text="Getting back to my garden", replaces=None
    )
    discharged(texting, link_worker)
    message = MessageBack.objects.get()
    assert message.reason == "discharge" and message.sharing == "summary"
    assert message.content["what_matters"] == "Getting back to my garden"
    assert [c["code"] for c in message.content["codes"]] == ["871731000000106"]
    assert Message.objects.filter(template__code="message_back_ready", to_user=referrer).exists()
    client.force_login(referrer)
    detail = page(client.get(reverse("referrals:detail", args=[texting.pk])))
    assert "Getting back to my garden" in detail
    pdf = client.get(reverse("outcomes:message_back_pdf", args=[texting.pk, message.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bundle = client.get(reverse("outcomes:message_back_fhir", args=[texting.pk, message.pk])).json()
    assert (
        bundle["type"] == "document"
        and bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    )
    codes = [
        c["code"] for e in bundle["entry"] for c in e["resource"].get("code", {}).get("coding", [])
    ]
    assert "871731000000106" in codes


def test_codes_only_when_that_is_their_choice(client, texting, link_worker, referrer):
    from casework.actions import record_what_matters

    Person.objects.filter(pk=texting.person_id).update(share_with_gp="codes")
    record_what_matters(by=link_worker, referral=texting, text="Private words", replaces=None)
    discharged(texting, link_worker, code="declined")
    message = MessageBack.objects.get()
    assert message.sharing == "codes" and "what_matters" not in message.content
    assert [c["code"] for c in message.content["codes"]] == ["871731000000106", "871711000000103"]
    client.force_login(referrer)
    detail = page(client.get(reverse("referrals:detail", args=[texting.pk])))
    assert "Private words" not in detail and "coded entries only" in detail
    bundle = client.get(reverse("outcomes:message_back_fhir", args=[texting.pk, message.pk]))
    assert "Private words" not in bundle.content.decode()
    pdf = client.get(reverse("outcomes:message_back_pdf", args=[texting.pk, message.pk]))
    assert b"Private words" not in pdf.content
    assert re.search(rb"%PDF", pdf.content)
