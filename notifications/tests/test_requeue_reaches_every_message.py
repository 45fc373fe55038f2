"""The safety net for lost message tasks reaches every lost message on every run. A message
booked again leaves the set for a while (its time is stamped), so messages whose task keeps
failing, or a backlog the worker has not reached, are not booked again every run ahead of
the others. The old net took 500 of each kind per run (the newest first), and those stayed
in the set until the worker got to them: the others waited forever."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import tasks
from notifications.models import Message, MessageTemplate

pytestmark = pytest.mark.django_db
OLD_CAP = 500


def lost(count, *, status, user, minutes_ago=30):
    """`count` messages whose task has gone, made in one query."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    template = MessageTemplate.objects.get(code="provider_reminder", channel="email")
    Message.objects.bulk_create(
        Message(
            template=template,
            channel="email",
            to=user.email,
            body="A reminder",
            to_user=user,
            reference=f"test:{status}:{number}",
            status=status,
            status_at=then,
            send_after=then,
        )
        for number in range(count)
    )
    DBTaskResult.objects.all().delete()


def booked():
    return {
        row["args"][0]
        for row in DBTaskResult.objects.filter(
            task_path="notifications.tasks.send_message", status="READY"
        ).values_list("args_kwargs", flat=True)
    }


def ids(status):
    return {str(pk) for pk in Message.objects.filter(status=status).values_list("pk", flat=True)}


def test_every_overdue_message_is_booked_again(provider):
    lost(OLD_CAP + 1, status="queued", user=provider)
    assert tasks.requeue_lost_messages() == f"requeued {OLD_CAP + 1}"
    assert booked() == ids("queued")
    # Booked again, they leave the set for a while: not booked again every run.
    assert tasks.requeue_lost_messages() == "requeued 0"
    later = timezone.now() + tasks.STUCK_AFTER + timedelta(minutes=1)
    DBTaskResult.objects.all().delete()
    with time_machine.travel(later, tick=False):
        assert tasks.requeue_lost_messages() == f"requeued {OLD_CAP + 1}"
    assert booked() == ids("queued")


def test_every_message_stuck_sending_is_queued_again(provider, notify):
    # Notify is asked first whether it has each one (it has none of these): only a message
    # it does not have is sent again.
    lost(OLD_CAP + 1, status="sending", user=provider)
    assert tasks.requeue_lost_messages() == f"requeued {OLD_CAP + 1}"
    assert not Message.objects.filter(status="sending").exists()
    assert booked() == ids("queued")
    assert len(booked()) == OLD_CAP + 1  # once each, not again as "overdue"


def test_small_batches_still_reach_every_message(monkeypatch, provider, notify):
    monkeypatch.setattr(tasks, "REQUEUE_BATCH", 3)
    lost(7, status="queued", user=provider)
    lost(5, status="sending", user=provider)
    assert tasks.requeue_lost_messages() == "requeued 12"
    assert len(booked()) == 12


def test_a_message_not_yet_lost_is_left_alone(provider):
    lost(3, status="queued", user=provider, minutes_ago=5)
    lost(2, status="sending", user=provider, minutes_ago=5)
    assert tasks.requeue_lost_messages() == "requeued 0"
