"""Texts and emails: consent per channel, quiet hours, retries with backoff, delivery
status, wrong numbers flagged, and the fake Notify checked against the real client."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.actions import channel_for, email_staff, outside_quiet_hours
from notifications.client import NotifyClient, PermanentError, TemporaryError
from notifications.models import Message
from notifications.tasks import MAX_ATTEMPTS
from referrals.models import ReferralEvent
from tests import factories
from tests.messages import how_did_it_go

pytestmark = pytest.mark.django_db

LONDON = timezone.get_default_timezone()


def at(*args):
    return datetime(*args, tzinfo=LONDON)


def person_referral(service, referrer, **details):
    person = factories.PersonDetailsFactory(**details)
    return factories.referral(by=referrer, service=service, person=person)


@pytest.fixture
def texting(service, referrer):
    return person_referral(service, referrer, texts_allowed=True)


# Consent, per channel


def test_no_consent_no_message_and_the_link_worker_is_told(service, referrer, notify):
    referral = person_referral(service, referrer)  # agreed to neither
    assert how_did_it_go(referral) is None
    assert not Message.objects.exists()
    assert ReferralEvent.objects.filter(
        referral=referral, kind=ReferralEvent.Kind.MESSAGE, summary__startswith="No text"
    ).exists()


@pytest.mark.parametrize(
    ("details", "channel"),
    [
        ({"texts_allowed": True}, "sms"),
        ({"emails_allowed": True, "email": "a@example.com"}, "email"),
        (
            {
                "texts_allowed": True,
                "emails_allowed": True,
                "email": "a@example.com",
                "preferred_contact": "email",
            },
            "email",
        ),
        ({"texts_allowed": True, "emails_allowed": True, "email": "a@example.com"}, "sms"),
        ({"emails_allowed": True, "email": ""}, None),  # agreed, but no address
    ],
)
def test_only_on_a_channel_they_agreed_to(service, referrer, details, channel):
    referral = person_referral(service, referrer, **details)
    assert channel_for(referral.person) == channel


def test_sent_through_notify_and_delivery_recorded(texting, notify, run_tasks):
    message = how_did_it_go(texting)
    assert message.status == Message.Status.QUEUED
    with time_machine.travel(message.send_after + timedelta(seconds=1), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.notify_id
    sent = notify.notifications[message.notify_id]
    assert sent["recipient"] == "07700900982" and "how did Happy Cafe go?" in sent["body"]
    with time_machine.travel(message.send_after + timedelta(minutes=2), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_consent_withdrawn_after_queueing_stops_the_message(
    texting, notify, run_tasks, link_worker, team_lead
):
    from referrals.actions import record_consent

    message = how_did_it_go(texting)
    referral = factories.allocate(texting, by=team_lead, worker=link_worker)
    factories.contact(referral, by=link_worker)
    record_consent(
        by=link_worker,
        referral=referral,
        texts_allowed=False,
        emails_allowed=False,
        share_with_providers="contact",
        share_with_gp="summary",
        research_allowed=False,
    )
    with time_machine.travel(message.send_after + timedelta(seconds=1), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.NOT_SENT
    assert "no longer agree to texts" in message.last_error
    assert notify.notifications == {}


# Quiet hours


@pytest.mark.parametrize(
    ("now", "goes"),
    [
        (at(2026, 11, 25, 21, 30), at(2026, 11, 26, 8, 0)),
        (at(2026, 11, 26, 6, 0), at(2026, 11, 26, 8, 0)),
        (at(2026, 11, 26, 12, 0), at(2026, 11, 26, 12, 0)),
        (at(2026, 11, 26, 19, 59), at(2026, 11, 26, 19, 59)),
    ],
)
def test_quiet_hours_move_messages_to_the_morning(now, goes):
    assert outside_quiet_hours(now) == goes


def test_a_message_asked_for_at_night_waits_for_morning(texting, notify, run_tasks):
    with time_machine.travel(at(2026, 11, 25, 22, 15), tick=False):
        message = how_did_it_go(texting)
        run_tasks()
    assert message.send_after == at(2026, 11, 26, 8, 0)
    assert notify.notifications == {}
    with time_machine.travel(at(2026, 11, 26, 8, 0, 30), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_bad_quiet_hours_setting_is_named(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.QUIET_HOURS = "late"
    with pytest.raises(ImproperlyConfigured, match="LINKWORK_QUIET_HOURS"):
        outside_quiet_hours(timezone.now())


# Retries and failures


def test_notify_down_is_retried_with_backoff_then_sent(texting, notify, run_tasks):
    notify.fail_next(2, status=503)
    with time_machine.travel(at(2026, 11, 26, 10, 0), tick=False) as clock:
        message = how_did_it_go(texting)
        run_tasks()
        message.refresh_from_db()
        assert message.status == Message.Status.QUEUED and message.attempts == 1
        assert "503" in message.last_error
        assert message.send_after == at(2026, 11, 26, 10, 1)
        clock.move_to(at(2026, 11, 26, 10, 1, 1))
        run_tasks()
        message.refresh_from_db()
        assert message.attempts == 2 and message.send_after == at(2026, 11, 26, 10, 6, 1)
        clock.move_to(at(2026, 11, 26, 10, 7))
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 3


def test_rate_limited_then_given_up_and_surfaced(texting, notify, run_tasks):
    notify.fail_next(MAX_ATTEMPTS, status=429)
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False) as clock:
        message = how_did_it_go(texting)
        for _ in range(MAX_ATTEMPTS):
            run_tasks()
            message.refresh_from_db()
            clock.move_to(message.send_after + timedelta(seconds=1))
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == MAX_ATTEMPTS and "429" in message.last_error
    event = ReferralEvent.objects.get(referral=texting, kind=ReferralEvent.Kind.MESSAGE)
    assert event.summary == f"A text could not be sent after {MAX_ATTEMPTS} tries"


def test_notify_unreachable_is_retried_not_lost(texting, notify, run_tasks):
    notify.stop()  # connection refused
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False):
        message = how_did_it_go(texting)
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 1


def test_a_number_notify_rejects_is_flagged_wrong(service, referrer, notify, run_tasks):
    referral = person_referral(service, referrer, texts_allowed=True, phone="01604496000")
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False):
        message = how_did_it_go(referral)
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "Not a UK mobile" in message.last_error
    referral.person.refresh_from_db()
    assert referral.person.phone_failed_at is not None
    assert channel_for(referral.person) is None  # no more texts until it is corrected


def test_permanent_failure_on_delivery_flags_the_number(service, referrer, notify, run_tasks):
    referral = person_referral(service, referrer, texts_allowed=True, phone="07700900002")
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False) as clock:
        message = how_did_it_go(referral)
        run_tasks()
        clock.move_to(at(2026, 11, 26, 9, 2))
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.PERMANENT_FAILURE
    referral.person.refresh_from_db()
    assert referral.person.phone_failed_at is not None
    assert ReferralEvent.objects.filter(
        referral=referral, summary__contains="07700900002 looks wrong"
    ).exists()


def test_correcting_the_number_trusts_it_again(service, referrer, link_worker, team_lead):
    from referrals.actions import correct_contact_details
    from referrals.models import Person

    referral = person_referral(service, referrer, texts_allowed=True)
    Person.objects.filter(pk=referral.person_id).update(phone_failed_at=timezone.now())
    referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    correct_contact_details(
        by=link_worker,
        referral=referral,
        phone="07700900123",
        email="",
        preferred_contact="text",
    )
    referral.person.refresh_from_db()
    assert referral.person.phone_failed_at is None
    assert channel_for(referral.person) == "sms"


def test_the_same_message_asked_for_twice_is_sent_once(texting, notify, run_tasks):
    first = how_did_it_go(texting, reference="onward:x:first-session")
    again = how_did_it_go(texting, reference="onward:x:first-session")
    assert first.pk == again.pk and Message.objects.count() == 1


def test_a_worker_killed_mid_send_is_picked_up_by_the_sweep(texting, notify, run_tasks):
    from notifications.tasks import requeue_lost_messages

    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False) as clock:
        message = how_did_it_go(texting)
        Message.objects.filter(pk=message.pk).update(status="sending", status_at=timezone.now())
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()  # the task died with its worker
        clock.move_to(at(2026, 11, 26, 9, 20))
        requeue_lost_messages()
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_staff_emails_need_no_consent_and_ignore_quiet_hours(provider, notify, run_tasks):
    with time_machine.travel(at(2026, 11, 25, 23, 0), tick=False):
        [message] = email_staff(
            by=None,
            users=[provider],
            template_code="listing_check",
            personalisation={"count": 2, "link": "http://x/"},
            reference="test:listing",
        )
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert notify.sent_to(provider.email)[0]["subject"] == "Please check your listings on linkwork"


# The fake Notify, checked against the real client library


def test_real_client_talks_to_the_fake_in_notifys_shapes(notify, settings):
    client = NotifyClient(settings.NOTIFY_API_KEY, notify.base_url, 5)
    template_id = "4d0cbd14-86e3-5d1b-b3a2-83c8c7a4e5d2"
    notify.templates[template_id] = {"type": "sms", "subject": "", "body": "Hi ((name))"}
    sent = client.send_sms(
        to="+44 7700 900 123",
        template_id=template_id,
        personalisation={"name": "Jo"},
        reference="r1",
    )
    request = notify.requests[-1]
    assert request["path"] == "/v2/notifications/sms"
    assert json.loads(request["body"]) == {
        "phone_number": "+44 7700 900 123",
        "template_id": template_id,
        "personalisation": {"name": "Jo"},
        "reference": "r1",
    }
    assert notify.notifications[sent.notify_id]["body"] == "Hi Jo"
    assert client.status(sent.notify_id) == "delivered"
    with pytest.raises(PermanentError, match="Missing personalisation: name"):
        client.send_sms(
            to="07700900123", template_id=template_id, personalisation={}, reference="r2"
        )
    with pytest.raises(PermanentError, match="Template not found"):
        client.send_email(
            to="a@b.co", template_id=template_id, personalisation={"name": "x"}, reference="r3"
        )


def test_the_fake_refuses_a_wrong_key(notify):
    from notifications.fakes import DEMO_SERVICE_ID

    wrong = f"other-{DEMO_SERVICE_ID}-00000000-0000-0000-0000-000000000000"
    with pytest.raises(TemporaryError, match="Invalid token"):
        NotifyClient(wrong, notify.base_url, 5).status("x")


def test_no_api_key_is_a_clear_permanent_error():
    with pytest.raises(PermanentError, match="NOTIFY_API_KEY is not set"):
        NotifyClient("", "http://127.0.0.1:1", 5)


def test_a_reminder_too_late_to_matter_is_not_sent(texting, notify, run_tasks):
    # The worker was down until after the session: a reminder for it would only confuse.
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False) as clock:
        message = how_did_it_go(texting, expires_at=at(2026, 11, 26, 9, 30))
        clock.move_to(at(2026, 11, 26, 11, 0))
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.NOT_SENT and "too late" in message.last_error
    assert notify.notifications == {}
