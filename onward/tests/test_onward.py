"""The closed loop: link worker refers, provider answers, attendance, the end; places;
what each side sees; bad input; the deadline clock."""

from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError, ConcurrentChange, IllegalTransition
from directory.models import Service
from notifications.models import Message
from onward import actions
from onward.models import OnwardEvent, OnwardReferral
from onward.states import Status
from referrals.models import ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()


def page(response):
    return unescape(response.content.decode())


@pytest.fixture
def listing(area, provider):
    return factories.activity(
        area=area, name="Happy Cafe", owner=provider.organisation, capacity=2, maximum=10
    )


@pytest.fixture
def sent(active_referral, link_worker, listing):
    return actions.refer_to_activity(
        by=link_worker, referral=active_referral, service=listing, note_for_provider="Likes tea"
    )


def test_the_whole_loop_through_the_pages(
    client, link_worker, provider, active_referral, listing, referrer
):
    # The link worker refers from the person's page.
    client.force_login(link_worker)
    refer_url = reverse("onward:refer", args=[active_referral.pk, listing.pk])
    body = page(client.get(refer_url))
    assert "What Provider" in body or "will see" in body
    assert "Lives alone" not in body  # the GP's context is never offered to the provider
    response = client.post(refer_url, {"note_for_provider": "Would like to be met at the door"})
    assert response.status_code == 302
    onward = OnwardReferral.objects.get()
    assert onward.status == Status.SENT and onward.provider == provider.organisation

    # The provider sees it in their inbox, with what the person agreed to share.
    client.force_login(provider)
    inbox = page(client.get(reverse("onward:provider_referrals")))
    assert active_referral.person.full_name in inbox and "Answer by" in inbox
    detail = page(client.get(reverse("onward:provider_referral", args=[onward.pk])))
    assert "07700 900982" in detail and "Would like to be met at the door" in detail
    assert "Lives alone" not in detail and active_referral.person.nhs_number not in detail
    assert "Would like help with" not in detail  # sharing choice: contact only

    # Accept, with a first session: a place is taken.
    first = timezone.localdate() + timedelta(days=3)
    client.post(
        reverse("onward:provider_answer", args=[onward.pk]),
        {
            "answer-version": onward.version,
            "answer-decision": "accept",
            "answer-first_session[day]": first.day,
            "answer-first_session[month]": first.month,
            "answer-first_session[year]": first.year,
            "answer-first_session_time": "10:00",
        },
    )
    onward.refresh_from_db()
    assert onward.status == Status.ACCEPTED and onward.holds_place
    assert Service.objects.get(pk=listing.pk).capacity_available == 1

    # Attendance, then completed: the place comes back.
    today = timezone.localdate()
    client.post(
        reverse("onward:provider_attendance", args=[onward.pk]),
        {
            "attendance-session_on[day]": today.day,
            "attendance-session_on[month]": today.month,
            "attendance-session_on[year]": today.year,
            "attendance-attended": "yes",
        },
    )
    onward.refresh_from_db()
    assert onward.status == Status.ATTENDED
    client.post(
        reverse("onward:provider_finish", args=[onward.pk]),
        {"finish-version": onward.version, "finish-outcome": "completed"},
    )
    onward.refresh_from_db()
    assert onward.status == Status.COMPLETED and not onward.holds_place
    assert Service.objects.get(pk=listing.pk).capacity_available == 2

    # The link worker sees each step on the person's page and the referral's page.
    client.force_login(link_worker)
    case = page(client.get(reverse("casework:case", args=[active_referral.pk])))
    assert "Happy Cafe" in case and "Completed" in case
    for summary in ["Referred to Happy Cafe", "Happy Cafe accepted them", "came on", "completed"]:
        assert ReferralEvent.objects.filter(
            referral=active_referral, summary__icontains=summary
        ).exists(), summary
    history = page(client.get(reverse("onward:case_onward", args=[active_referral.pk, onward.pk])))
    for step in ["Referral sent", "Accepted", "Came on", "Completed"]:
        assert step in history
    # …and the GP who referred sees the activity and its status, not the notes.
    client.force_login(referrer)
    gp = page(client.get(reverse("referrals:detail", args=[active_referral.pk])))
    assert "Happy Cafe" in gp and "Completed" in gp and "met at the door" not in gp
    # Each side was emailed as it happened.
    codes = list(Message.objects.values_list("template__code", flat=True))
    assert codes.count("provider_new_referral") == 1 and codes.count("onward_update") >= 3


def test_needs_are_shared_only_if_they_agreed(client, provider, sent):
    from referrals.models import Person

    Person.objects.filter(pk=sent.referral.person_id).update(
        share_with_providers="contact_and_needs"
    )
    client.force_login(provider)
    detail = page(client.get(reverse("onward:provider_referral", args=[sent.pk])))
    assert "Would like help with" not in detail  # the choice when it was sent is what counts
    OnwardReferral.objects.filter(pk=sent.pk).update(share_needs=True)
    detail = page(client.get(reverse("onward:provider_referral", args=[sent.pk])))
    assert "Would like help with" in detail and "Loneliness" in detail


def test_a_full_activity_offers_the_waiting_list(client, provider, sent, listing):
    Service.objects.filter(pk=listing.pk).update(capacity_available=0)
    with pytest.raises(ActionError, match="no spare places"):
        actions.accept(by=provider, onward=sent, version=sent.version)
    onward = actions.add_to_waiting_list(by=provider, onward=sent, version=sent.version)
    assert onward.status == Status.WAITING_LIST
    Service.objects.filter(pk=listing.pk).update(capacity_available=1)
    onward = actions.accept(by=provider, onward=onward, version=onward.version)
    assert onward.status == Status.ACCEPTED
    assert Service.objects.get(pk=listing.pk).capacity_available == 0


def test_declining_needs_a_reason(client, provider, sent):
    client.force_login(provider)
    url = reverse("onward:provider_answer", args=[sent.pk])
    body = page(client.post(url, {"answer-version": sent.version, "answer-decision": "decline"}))
    assert "Choose why you cannot take them" in body
    client.post(
        url,
        {
            "answer-version": sent.version,
            "answer-decision": "decline",
            "answer-reason": "not_suitable",
            "answer-detail": "We meet upstairs, no lift",
        },
    )
    sent.refresh_from_db()
    assert sent.status == Status.DECLINED and sent.decline_reason == "not_suitable"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose whether you can take them"),
        (
            {"answer-decision": "accept", "answer-first_session_time": "10:00"},
            "Give both the date and the start time",
        ),
        (
            {
                "answer-decision": "accept",
                "answer-first_session[day]": "1",
                "answer-first_session[month]": "1",
                "answer-first_session[year]": "2020",
                "answer-first_session_time": "10:00",
            },
            "cannot be in the past",
        ),
        (
            {
                "answer-decision": "accept",
                "answer-first_session[day]": "31",
                "answer-first_session[month]": "2",
                "answer-first_session[year]": "2027",
                "answer-first_session_time": "10:00",
            },
            "must be a real date",
        ),
    ],
)
def test_bad_answers_are_named_and_change_nothing(client, provider, sent, data, message):
    client.force_login(provider)
    response = client.post(
        reverse("onward:provider_answer", args=[sent.pk]), {"answer-version": sent.version, **data}
    )
    assert message in page(response)
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_attendance_rules(provider, sent):
    with pytest.raises(ActionError, match="once you have accepted"):
        actions.record_attendance(
            by=provider, onward=sent, session_on=timezone.localdate(), attended=True
        )
    onward = actions.accept(by=provider, onward=sent, version=sent.version)
    with pytest.raises(ActionError, match="has not happened yet"):
        actions.record_attendance(
            by=provider,
            onward=onward,
            session_on=timezone.localdate() + timedelta(days=1),
            attended=True,
        )
    actions.record_attendance(
        by=provider, onward=onward, session_on=timezone.localdate(), attended=False
    )
    onward.refresh_from_db()
    assert onward.status == Status.DID_NOT_ATTEND
    with pytest.raises(ActionError, match="already recorded"):
        actions.record_attendance(
            by=provider, onward=onward, session_on=timezone.localdate(), attended=True
        )


def test_answering_a_cancelled_referral_says_so(client, link_worker, provider, sent):
    actions.cancel(by=link_worker, onward=sent, version=sent.version, detail="Moved away")
    with pytest.raises(IllegalTransition, match="has cancelled this referral"):
        actions.accept(by=provider, onward=sent, version=sent.version + 1)
    client.force_login(provider)
    body = page(client.get(reverse("onward:provider_referral", args=[sent.pk])))
    assert "Cancelled by the link worker" in body and "Moved away" not in body
    assert "Send answer" not in body


def test_answering_from_a_stale_page_is_refused(provider, sent):
    actions.add_to_waiting_list(by=provider, onward=sent, version=sent.version)
    with pytest.raises(ConcurrentChange, match="Someone else has just changed"):
        actions.accept(by=provider, onward=sent, version=sent.version)


def test_one_open_referral_per_activity(link_worker, sent, listing):
    with pytest.raises(ActionError, match="already has an open referral"):
        actions.refer_to_activity(by=link_worker, referral=sent.referral, service=listing)


def test_a_group_not_on_linkwork_is_signposted_instead(link_worker, active_referral, area):
    unclaimed = factories.activity(area=area, name="Parish choir")
    with pytest.raises(ActionError, match="signpost them"):
        actions.refer_to_activity(by=link_worker, referral=active_referral, service=unclaimed)
    actions.signpost(by=link_worker, referral=active_referral, service=unclaimed)
    actions.signpost(by=link_worker, referral=active_referral, description="Samaritans, 116 123")
    assert active_referral.signposts.count() == 2
    with pytest.raises(ActionError, match="Say what you told them about"):
        actions.signpost(by=link_worker, referral=active_referral)


def test_the_link_worker_can_record_that_they_stopped(link_worker, provider, sent, listing):
    onward = actions.accept(by=provider, onward=sent, version=sent.version)
    with pytest.raises(ActionError, match="Choose why it stopped"):
        actions.finish(by=link_worker, onward=onward, version=onward.version, completed=False)
    with pytest.raises(IllegalTransition):
        actions.finish(by=link_worker, onward=onward, version=onward.version, completed=True)
    onward = actions.finish(
        by=link_worker,
        onward=onward,
        version=onward.version,
        completed=False,
        reason="chose_to_stop",
        detail="Found work",
    )
    assert onward.status == Status.STOPPED
    assert Service.objects.get(pk=listing.pk).capacity_available == 2
    last = onward.events.filter(kind=OnwardEvent.Kind.STATUS).first()
    assert last.detail == ""  # the link worker's note is not shown to the provider


def test_messages_between_provider_and_link_worker(client, link_worker, provider, sent):
    client.force_login(provider)
    client.post(
        reverse("onward:provider_note", args=[sent.pk]), {"note-text": "Can they come at 11?"}
    )
    client.force_login(link_worker)
    body = page(client.get(reverse("onward:case_onward", args=[sent.referral_id, sent.pk])))
    assert "Can they come at 11?" in body
    client.post(
        reverse("onward:case_note", args=[sent.referral_id, sent.pk]), {"note-text": "Yes, fine"}
    )
    assert set(
        Message.objects.filter(template__code="onward_note").values_list("to", flat=True)
    ) == {link_worker.email, provider.email}
    body = page(client.post(reverse("onward:case_note", args=[sent.referral_id, sent.pk]), {}))
    assert "Write your message" in body


# Tests of the clock stop it before any fixture is built (the marker), so the whole story
# happens on the dates they name, whatever the date the suite runs on.


@pytest.mark.time_machine(datetime(2026, 11, 26, 9, tzinfo=LONDON), tick=False)
def test_reminders_to_the_person_before_and_after_the_first_session(
    time_machine, provider, sent, notify, run_tasks
):
    from referrals.models import Person

    Person.objects.filter(pk=sent.referral.person_id).update(texts_allowed=True)
    first = datetime(2026, 12, 3, 10, tzinfo=LONDON)
    actions.accept(by=provider, onward=sent, version=sent.version, first_session_at=first)
    reminder = Message.objects.get(template__code="session_reminder")
    follow_up = Message.objects.get(template__code="how_did_it_go")
    assert reminder.send_after == datetime(2026, 12, 2, 10, tzinfo=LONDON)
    assert follow_up.send_after == datetime(2026, 12, 4, 11, tzinfo=LONDON)
    assert "Thursday 3 December at 10:00" in reminder.body
    time_machine.move_to(datetime(2026, 12, 2, 10, 1, tzinfo=LONDON))
    run_tasks()
    reminder.refresh_from_db()
    assert reminder.status == Message.Status.SENT
    assert notify.sent_to("07700900982")[0]["body"].startswith("Hello")


def test_cancelling_stops_the_persons_reminders(link_worker, provider, sent):
    from referrals.models import Person

    Person.objects.filter(pk=sent.referral.person_id).update(texts_allowed=True)
    onward = actions.accept(
        by=provider,
        onward=sent,
        version=sent.version,
        first_session_at=timezone.now() + timedelta(days=5),
    )
    actions.cancel(by=link_worker, onward=onward, version=onward.version)
    assert set(Message.objects.filter(person__isnull=False).values_list("status", flat=True)) == {
        "not_sent"
    }


# The deadline clock: 10 working days to answer, a reminder at 6, the team lead told at 10.


# Sent on Friday 18 December 2026: Christmas Day and the Boxing Day substitute (28th) are not
# working days.
@pytest.mark.time_machine(datetime(2026, 12, 18, 9, tzinfo=LONDON), tick=False)
def test_provider_deadline_in_working_days_with_bank_holidays(
    time_machine, active_referral, link_worker, listing, provider, team_lead
):
    onward = actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)
    assert onward.remind_on == date(2026, 12, 30)
    assert onward.respond_by == date(2027, 1, 6)  # New Year's Day is not counted either
    time_machine.move_to(datetime(2026, 12, 29, 9, tzinfo=LONDON))
    assert actions.run_clock() == {"reminded": 0, "escalated": 0}
    time_machine.move_to(datetime(2026, 12, 30, 9, tzinfo=LONDON))
    assert actions.run_clock() == {"reminded": 1, "escalated": 0}
    assert actions.run_clock() == {"reminded": 0, "escalated": 0}  # once only
    assert Message.objects.filter(template__code="provider_reminder", to_user=provider).exists()
    time_machine.move_to(datetime(2027, 1, 6, 9, tzinfo=LONDON))
    assert actions.run_clock() == {"reminded": 0, "escalated": 1}
    assert Message.objects.filter(template__code="onward_escalation", to_user=team_lead).exists()
    assert ReferralEvent.objects.filter(
        referral=active_referral, summary__contains="has not answered by 6 January"
    ).exists()
    time_machine.move_to(datetime(2027, 1, 8, 9, tzinfo=LONDON))
    from onward.presenters import answer_due

    onward.refresh_from_db()
    assert answer_due(onward)["text"] == "Answer overdue by 2 days"


@pytest.mark.time_machine(datetime(2026, 11, 2, 9, tzinfo=LONDON), tick=False)
def test_an_answered_referral_is_never_chased(
    time_machine, active_referral, link_worker, listing, provider
):
    onward = actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)
    actions.accept(by=provider, onward=onward, version=onward.version)
    time_machine.move_to(datetime(2026, 12, 1, 9, tzinfo=LONDON))
    assert actions.run_clock() == {"reminded": 0, "escalated": 0}


@pytest.mark.time_machine(datetime(2026, 11, 2, 9, tzinfo=LONDON), tick=False)
def test_first_contact_clock(time_machine, referrer, service, team_lead, link_worker):
    from referrals import deadlines

    referral = factories.referral(by=referrer, service=service)
    assert referral.first_contact_remind_on == date(2026, 11, 10)
    assert referral.first_contact_due == date(2026, 11, 16)
    time_machine.move_to(datetime(2026, 11, 10, 9, tzinfo=LONDON))
    assert deadlines.run_clock() == {"reminded": 1, "escalated": 0}
    # Not allocated yet: the team leads are reminded.
    assert Message.objects.filter(
        template__code="first_contact_reminder", to_user=team_lead
    ).exists()
    factories.allocate(referral, by=team_lead, worker=link_worker)
    time_machine.move_to(datetime(2026, 11, 17, 9, tzinfo=LONDON))
    referral.refresh_from_db()
    assert referral.first_contact_overdue
    assert deadlines.run_clock() == {"reminded": 0, "escalated": 1}
    factories.contact(referral, by=link_worker)
    referral.refresh_from_db()
    assert not referral.first_contact_overdue
