"""A message Notify has taken is never sent twice because the database went away.

Found by the load benchmark (bench/load.py --fault postgres): during a PostgreSQL restart
Notify accepted a text, recording it as sent failed, the message stayed "sending", and ten
minutes later the safety net queued it again: the person got it twice. Now recording it is
tried again on a fresh connection, and the safety net asks Notify (by our reference) before
sending a stuck message again."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import tasks
from notifications.client import notify as notify_client
from notifications.models import Message
from referrals.models import ReferralEvent
from tests import factories
from tests.messages import how_did_it_go

pytestmark = pytest.mark.django_db

PHONE = "07700900982"  # the factory's number


@pytest.fixture(autouse=True)
def _daytime():
    """Midday, so no message waits for quiet hours to end (whatever the real time)."""
    local = timezone.localtime()
    midday = local.replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    with time_machine.travel(midday, tick=True):
        yield


def someone_texting(service, referrer):
    person = factories.PersonDetailsFactory(texts_allowed=True)
    return factories.referral(by=referrer, service=service, person=person)


@pytest.fixture
def texting(service, referrer):
    return someone_texting(service, referrer)


@pytest.fixture
def waits(monkeypatch):
    """The backoff waits asked for, without waiting."""
    asked = []
    monkeypatch.setattr(tasks, "_wait", asked.append)
    return asked


def database_away_when_recording_sent(monkeypatch, times):
    """The first `times` writes of "sent" to a message fail as a restarting database
    fails; every other query goes through."""
    real_update = QuerySet.update
    failed = []

    def update(queryset, **changes):
        if (
            queryset.model is Message
            and changes.get("status") == Message.Status.SENT
            and len(failed) < times
        ):
            failed.append(changes)
            raise OperationalError("terminating connection due to administrator command")
        return real_update(queryset, **changes)

    monkeypatch.setattr(QuerySet, "update", update)
    return failed


def stuck_sending(message, minutes=11):
    then = timezone.now() - timedelta(minutes=minutes)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, status_at=then, attempts=1
    )
    DBTaskResult.objects.all().delete()  # its task is gone, as in a killed worker


def bookings(task_name):
    return DBTaskResult.objects.filter(
        task_path=f"notifications.tasks.{task_name}", status="READY"
    ).count()


def notify_takes(message):
    """Notify accepts the message, as it did just before the database went away."""
    return notify_client().send_sms(
        to=message.to,
        template_id=str(message.template.notify_template_id),
        personalisation=message.personalisation,
        reference=message.reference,
    )


# Recording "sent" tries again through a short outage


@pytest.mark.parametrize("failures", [1, 2])
def test_recording_sent_is_tried_again_and_the_text_goes_once(
    texting, notify, run_tasks, monkeypatch, waits, failures
):
    message = how_did_it_go(texting)
    failed = database_away_when_recording_sent(monkeypatch, failures)
    with time_machine.travel(message.send_after + timedelta(seconds=1), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert len(failed) == failures
    assert waits == [0.5, 1.0][:failures]  # backoff, doubling
    assert message.status == Message.Status.SENT
    assert len(notify.sent_to(PHONE)) == 1
    assert message.notify_id == notify.sent_to(PHONE)[0]["id"]
    with time_machine.travel(message.send_after + timedelta(minutes=2), tick=False):
        run_tasks()  # its delivery check was booked with it
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_a_longer_outage_leaves_it_sending_and_the_sweep_finds_it_in_notify(
    texting, notify, monkeypatch, waits
):
    monkeypatch.setattr(tasks, "RECORD_SENT_FOR_SECONDS", 3.5)
    message = how_did_it_go(texting)
    database_away_when_recording_sent(monkeypatch, times=100)
    due = time_machine.travel(message.send_after + timedelta(seconds=1), tick=False)
    with due, pytest.raises(OperationalError):
        tasks.send_message.call(str(message.pk))
    DBTaskResult.objects.all().delete()  # its task failed (or its worker died)
    assert waits == [0.5, 1.0, 2.0]  # the next (4 s) would pass the limit: it gave up
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING
    monkeypatch.undo()  # the database is back
    with time_machine.travel(message.send_after + timedelta(minutes=11), tick=False):
        assert tasks.requeue_lost_messages() == "requeued 0"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [n["id"] for n in notify.sent_to(PHONE)] == [message.notify_id]
    assert bookings("send_message") == 0 and bookings("check_delivery") == 1


def test_an_error_that_is_not_the_database_going_away_is_not_retried(
    texting, notify, monkeypatch, waits
):
    message = how_did_it_go(texting)
    real_update = QuerySet.update

    def update(queryset, **changes):
        if queryset.model is Message and changes.get("status") == Message.Status.SENT:
            raise ValueError("a bug, not an outage")
        return real_update(queryset, **changes)

    monkeypatch.setattr(QuerySet, "update", update)
    due = time_machine.travel(message.send_after + timedelta(seconds=1), tick=False)
    with due, pytest.raises(ValueError):
        tasks.send_message.call(str(message.pk))
    assert waits == []


# The safety net asks Notify before sending a stuck message again


def test_a_stuck_message_notify_has_is_recorded_sent_not_sent_again(texting, notify, run_tasks):
    message = how_did_it_go(texting)
    accepted = notify_takes(message)
    stuck_sending(message)
    assert tasks.requeue_lost_messages() == "requeued 0"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.notify_id == accepted.notify_id and message.sent_at
    assert bookings("send_message") == 0 and bookings("check_delivery") == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert len(notify.sent_to(PHONE)) == 1


def test_a_stuck_message_notify_does_not_have_is_queued_and_sent_once(
    texting, notify, run_tasks, referrer
):
    message = how_did_it_go(texting)
    # Notify has a message for someone else: not this one.
    other = how_did_it_go(someone_texting(texting.service, referrer), reference="x")
    notify_takes(other)
    stuck_sending(message)
    assert tasks.requeue_lost_messages() == "requeued 1"
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and not message.notify_id
    run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [n["reference"] for n in notify.notifications.values()].count(message.reference) == 1


def test_one_notify_itself_failed_to_send_does_not_count(texting, notify):
    message = how_did_it_go(texting)
    accepted = notify_takes(message)
    notify.notifications[accepted.notify_id]["status"] = "technical-failure"
    stuck_sending(message)
    assert tasks.requeue_lost_messages() == "requeued 1"
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED


def test_when_notify_cannot_be_asked_it_is_left_then_given_up_and_a_person_told(
    texting, notify, referrer
):
    message = how_did_it_go(texting)
    second = how_did_it_go(someone_texting(texting.service, referrer), reference="y")
    stuck_sending(message)
    stuck_sending(second)
    stuck_at = Message.objects.get(pk=message.pk).status_at
    before = len(notify.requests)
    notify.fail_next(100, status=503)
    assert tasks.requeue_lost_messages() == "requeued 0"
    assert len(notify.requests) - before == 1  # Notify away: not asked once per message
    left = Message.objects.get(pk=message.pk)
    assert left.status == Message.Status.SENDING and left.status_at == stuck_at
    assert bookings("send_message") == 0
    assert not notify.sent_to(PHONE)

    # Still away long after: a person is told rather than it waiting for ever.
    with time_machine.travel(timezone.now() + tasks.UNKNOWN_GIVE_UP_AFTER, tick=False):
        assert tasks.requeue_lost_messages() == "requeued 0"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "Not known whether it was sent" in message.last_error
    told = ReferralEvent.objects.filter(
        referral=texting, kind=ReferralEvent.Kind.MESSAGE, summary__contains="may not have"
    )
    assert told.count() == 1
    assert Message.objects.filter(status=Message.Status.FAILED).count() == 2
    assert bookings("send_message") == 0 and not notify.sent_to(PHONE)


def test_notify_back_before_the_limit_the_left_message_is_dealt_with(texting, notify):
    message = how_did_it_go(texting)
    accepted = notify_takes(message)
    stuck_sending(message)
    notify.fail_next(1, status=500)
    assert tasks.requeue_lost_messages() == "requeued 0"
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert tasks.requeue_lost_messages() == "requeued 0"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.notify_id == accepted.notify_id


def test_the_real_client_finds_by_reference_in_the_fake(texting, notify):
    message = how_did_it_go(texting)
    client = notify_client()
    assert client.find_by_reference(message.reference) is None
    accepted = notify_takes(message)
    found = client.find_by_reference(message.reference)
    assert found.notify_id == accepted.notify_id and found.status == "created"
    assert client.find_by_reference(message.reference + "x") is None
    assert client.find_by_reference(message.reference[:-1]) is None
