"""Time-critical work never waits behind bulk work: every task is on the queue its kind says
(core/queues.py), each periodic duty is its own task (core/periodic.py), and a worker
started for one queue takes nothing from the other."""

import signal
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.passwords import send_reset_link
from core import periodic
from core.management.commands import sweep as sweep_command
from directory.tasks import refresh_term_listings
from notifications.tasks import check_delivery, send_message
from referrals.tasks import process_bulk_upload
from reporting.refresh import rebuild_task

pytestmark = pytest.mark.django_db

TIME_CRITICAL = "default"
BULK = "bulk"

# Each duty by its kind: people wait on the first four (reminders, escalations, texts).
DUTY_QUEUES = {
    "onward.actions.run_clock": TIME_CRITICAL,  # provider-response deadline clock
    "referrals.deadlines.run_clock": TIME_CRITICAL,  # first-contact deadline clock
    "outcomes.actions.run_clock": TIME_CRITICAL,  # questionnaires, safety-alert escalation
    "notifications.tasks.requeue_lost_messages": TIME_CRITICAL,  # lost texts sent again
    "core.audit_chain.seal_pending": TIME_CRITICAL,
    "core.orphaned_tasks.take_back_orphaned_tasks": TIME_CRITICAL,  # tasks of a dead worker
    "directory.actions.daily_freshness_review": BULK,
    "reporting.refresh.refresh": BULK,
    "reporting.refresh.book_rebuild": BULK,
    "accounts.actions.forget_old_sign_in_attempts": BULK,
    "accounts.actions.review_unused_accounts": BULK,
    "retention.duty.apply_retention_policy": BULK,
}


@pytest.fixture
def worker(monkeypatch):
    """Run `manage.py worker --batch` here: what is due on its queues, then return."""
    # The worker closes stale connections between tasks; inside a test's transaction the
    # connection must stay. Its signal handlers are put back afterwards.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run(queue_name):
        try:
            call_command("worker", batch=True, queue_name=queue_name, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run


@pytest.mark.parametrize(
    "task, queue",
    [
        (send_message, TIME_CRITICAL),
        (check_delivery, TIME_CRITICAL),
        (send_reset_link, TIME_CRITICAL),
        (periodic.run_duty, TIME_CRITICAL),
        (process_bulk_upload, BULK),  # checking and importing a CSV of referrals
        (rebuild_task, BULK),  # the nightly Figures rebuild
        (refresh_term_listings, BULK),  # re-indexing the listings of a newly mapped term
    ],
)
def test_each_task_is_on_the_queue_its_kind_says(task, queue):
    assert task.queue_name == queue
    arguments = ["x"] * task.func.__code__.co_argcount
    task.enqueue(*arguments)
    assert DBTaskResult.objects.get(task_path=task.module_path).queue_name == queue


def test_every_periodic_duty_has_a_kind():
    assert set(DUTY_QUEUES) == {path for path, _ in periodic.DUTIES}


def test_each_periodic_duty_is_booked_as_its_own_task_on_its_queue():
    booked = periodic.book_due()
    assert sorted(booked) == sorted(DUTY_QUEUES)
    rows = DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH)
    assert {row.args_kwargs["args"][0]: row.queue_name for row in rows} == DUTY_QUEUES
    assert rows.count() == len(DUTY_QUEUES)


def test_a_duty_is_not_booked_again_while_a_booking_waits_or_before_its_interval(
    monkeypatch, run_tasks
):
    monkeypatch.setattr(periodic, "DUTIES", [("reporting.refresh.refresh", periodic.EVERY)])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert periodic.book_due() == ["reporting.refresh.refresh"]
        assert periodic.book_due() == []
        run_tasks()
        clock.shift(timedelta(minutes=10))  # run, but not due again yet
        assert periodic.book_due() == []
        clock.shift(timedelta(minutes=5))
        assert periodic.book_due() == ["reporting.refresh.refresh"]
        clock.shift(timedelta(hours=2))  # the bulk worker is far behind: no second copy
        assert periodic.book_due() == []
    assert DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH).count() == 2


def fine():
    return "ok"


def broken():
    raise RuntimeError("boom")


def test_a_failing_duty_fails_only_its_own_task(monkeypatch, worker):
    monkeypatch.setattr(
        periodic,
        "DUTIES",
        [
            ("tests.test_task_queues.broken", periodic.EVERY),
            ("tests.test_task_queues.fine", periodic.EVERY),
        ],
    )
    periodic.book_due()
    worker(BULK)
    status = {
        row.args_kwargs["args"][0]: row.status
        for row in DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH)
    }
    assert status == {
        "tests.test_task_queues.broken": "FAILED",
        "tests.test_task_queues.fine": "SUCCESSFUL",
    }


def test_only_listed_duties_can_be_run_from_the_queue():
    with pytest.raises(ValueError, match="is not a periodic duty"):
        periodic.run_duty.call("os.getcwd")


def test_a_worker_for_the_default_queue_leaves_bulk_work_to_the_bulk_worker(worker):
    rebuild = rebuild_task.enqueue()
    reset = send_reset_link.enqueue("nobody@example.nhs.uk")
    worker(TIME_CRITICAL)
    reset.refresh()
    rebuild.refresh()
    assert reset.status == "SUCCESSFUL"
    assert rebuild.status == "READY"
    worker(BULK)
    rebuild.refresh()
    assert rebuild.status == "SUCCESSFUL"


def test_a_worker_refuses_a_queue_that_does_not_exist():
    with pytest.raises(CommandError, match="Unknown queue urgent"):
        call_command("worker", batch=True, queue_name="urgent", verbosity=0)


def test_the_sweep_command_books_what_is_due_once(monkeypatch):
    # (It drops stale connections each time round; a test's must stay open.)
    monkeypatch.setattr(sweep_command, "close_old_connections", lambda: None)
    call_command("sweep", once=True, verbosity=0)
    first = DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH).count()
    call_command("sweep", once=True, verbosity=0)
    assert first == len(periodic.DUTIES)
    assert DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH).count() == first
