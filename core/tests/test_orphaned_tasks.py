"""A task left RUNNING by a worker that died is taken back (core/orphaned_tasks.py): run again
on another worker when it is known to be safe to repeat, marked FAILED with the reason
otherwise; a task whose worker is alive, or that started within the grace, is left alone.

Times are relative to what each test built, moved with time_machine."""

import ast
import logging
import signal
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.passwords import send_reset_link
from core import orphaned_tasks, periodic, queues
from core.background import beat
from core.management.commands import worker as worker_command
from core.models import AuditEvent
from notifications.tasks import send_message
from referrals.tasks import process_bulk_upload

pytestmark = pytest.mark.django_db

DEAD = "node-a-101-dead01"
LIVE = "node-b-202-live02"
GRACE = orphaned_tasks.grace()
DUTY = "core.tests.test_orphaned_tasks.counted_duty"
RUNS = []


def counted_duty():
    RUNS.append(timezone.now())
    return "ran"


@pytest.fixture
def duty(monkeypatch):
    """A periodic duty that counts its runs, booked as the sweep books one."""
    RUNS.clear()
    monkeypatch.setattr(periodic, "DUTIES", [(DUTY, periodic.EVERY)])
    yield lambda: periodic.run_duty.enqueue(DUTY)
    RUNS.clear()


@pytest.fixture
def worker(monkeypatch):
    """`manage.py worker --batch` here: what is due on the time-critical queue, then return."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run():
        try:
            call_command("worker", batch=True, queue_name=queues.TIME_CRITICAL, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run


def held_by(worker_id, result) -> DBTaskResult:
    """The task claimed by this worker, as db_worker claims it."""
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


def status(row) -> str:
    return DBTaskResult.objects.get(pk=row.pk).status


def test_a_task_held_by_a_dead_worker_goes_back_and_runs_once_on_a_live_worker(duty, worker):
    beat(DEAD)
    row = held_by(DEAD, duty())
    built = timezone.now()
    with time_machine.travel(built + GRACE + timedelta(minutes=1), tick=False):
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 1, "failed": 0}
        assert status(row) == "READY"
        worker()
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 0}
        worker()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and row.return_value == "ran"
    assert len(RUNS) == 1  # the dead worker never got as far as recording a run
    assert row.worker_ids[0] == DEAD and len(row.worker_ids) == 2 and row.worker_ids[1] != DEAD
    event = AuditEvent.objects.get(verb="take_back_orphaned_task")
    assert event.actor is None and event.object_id == str(row.pk)
    assert event.detail == {"task": periodic.RUN_DUTY_PATH, "worker": DEAD, "outcome": "run_again"}
    assert event.reason.startswith(f"Run again: its worker {DEAD} stopped reporting 6 minutes")


def test_a_task_not_known_to_be_safe_to_repeat_is_failed_with_its_reason(caplog):
    beat(DEAD)
    row = held_by(DEAD, process_bulk_upload.enqueue("a-csv-upload"))
    built = timezone.now()
    with (
        caplog.at_level(logging.WARNING, logger="core.orphaned_tasks"),
        time_machine.travel(built + GRACE + timedelta(minutes=1), tick=False),
    ):
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 1}
    row.refresh_from_db()
    assert row.status == "FAILED" and row.finished_at > built
    (error,) = row.task_result.errors
    assert error.exception_class is orphaned_tasks.WorkerLost
    assert f"its worker {DEAD} stopped reporting" in error.traceback
    assert "two runs at once could both import it" in error.traceback
    event = AuditEvent.objects.get(verb="take_back_orphaned_task")
    assert event.reason.startswith("Not run again") and event.detail["outcome"] == "failed"
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and "Not run again" in record.getMessage()
    assert "a-csv-upload" not in record.getMessage()  # a task's arguments are never logged


def test_a_task_nobody_has_declared_safe_is_never_run_again():
    beat(DEAD)
    row = held_by(DEAD, send_reset_link.enqueue("someone@example.nhs.uk"))
    DBTaskResult.objects.filter(pk=row.pk).update(task_path="somewhere.removed.old_task")
    with time_machine.travel(timezone.now() + GRACE + timedelta(minutes=1), tick=False):
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 1}
    row.refresh_from_db()
    assert row.status == "FAILED" and "not known to be safe to run twice" in row.traceback


def test_a_task_under_a_live_worker_is_left_alone_however_long_it_runs():
    beat(LIVE)
    row = held_by(LIVE, process_bulk_upload.enqueue("a-csv-upload"))
    built = timezone.now()
    with time_machine.travel(built, tick=False) as clock:
        for _ in range(3):  # past the grace and past its own time limit, beating all along
            clock.shift(timedelta(hours=1))
            beat(LIVE)
            assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 0}
    assert status(row) == "RUNNING"
    assert not AuditEvent.objects.filter(verb="take_back_orphaned_task").exists()


def test_a_task_younger_than_the_grace_is_left_alone_even_under_a_silent_worker(duty):
    beat(DEAD)
    built = timezone.now()
    with time_machine.travel(built + GRACE + timedelta(minutes=1), tick=False) as clock:
        # The worker has not reported for longer than the grace, yet it claimed this just
        # now: it is alive, whatever its heartbeat says.
        row = held_by(DEAD, duty())
        clock.shift(GRACE - timedelta(minutes=1))
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 0}
        assert status(row) == "RUNNING"
        clock.shift(timedelta(minutes=2))
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 1, "failed": 0}
    assert status(row) == "READY"


def test_a_worker_silent_for_less_than_the_grace_keeps_its_task(duty):
    beat(DEAD)
    row = held_by(DEAD, duty())
    with time_machine.travel(timezone.now() + GRACE - timedelta(seconds=30), tick=False):
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 0}
    assert status(row) == "RUNNING"


@pytest.mark.parametrize("worker_ids", [["in-process"], []])
def test_a_task_no_worker_can_be_tied_to_is_taken_back_after_its_own_time_limit(duty, worker_ids):
    row = held_by("in-process", duty())
    DBTaskResult.objects.filter(pk=row.pk).update(worker_ids=worker_ids)
    limit = orphaned_tasks.TASKS[periodic.RUN_DUTY_PATH].time_limit
    assert limit > GRACE
    built = timezone.now()
    with time_machine.travel(built + limit - timedelta(minutes=1), tick=False) as clock:
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 0, "failed": 0}
        assert status(row) == "RUNNING"
        clock.shift(timedelta(minutes=2))
        assert orphaned_tasks.take_back_orphaned_tasks() == {"run_again": 1, "failed": 0}
    assert "longer than its limit of 60 minutes" in (
        AuditEvent.objects.get(verb="take_back_orphaned_task").reason
    )


def test_a_task_finished_or_claimed_again_since_it_was_read_is_not_touched(duty):
    beat(DEAD)
    finished = held_by(DEAD, duty())
    reclaimed = held_by(DEAD, duty())
    seen = {row.pk: row for row in DBTaskResult.objects.running()}
    finished.set_successful("done after all")
    with time_machine.travel(timezone.now() + timedelta(seconds=1), tick=False):
        DBTaskResult.objects.get(pk=reclaimed.pk).claim(LIVE)  # a new start
    for pk in (finished.pk, reclaimed.pk):
        assert orphaned_tasks.take_back(by=None, task=seen[pk], why="test") is None
    assert status(finished) == "SUCCESSFUL" and status(reclaimed) == "RUNNING"
    assert not AuditEvent.objects.filter(verb="take_back_orphaned_task").exists()


def test_the_duty_runs_from_the_time_critical_queue_every_minute():
    assert (
        "core.orphaned_tasks.take_back_orphaned_tasks",
        timedelta(minutes=1),
    ) in periodic.DUTIES
    path = "core.orphaned_tasks.take_back_orphaned_tasks"
    assert periodic.queue_for(path) == queues.TIME_CRITICAL
    assert periodic.run_duty.call(path) == {"run_again": 0, "failed": 0}


def test_the_grace_is_many_heartbeats_long():
    from core.background import HEARTBEAT_SECONDS

    assert GRACE.total_seconds() >= 5 * HEARTBEAT_SECONDS


# After a database outage


def test_a_worker_gives_back_what_it_held_when_the_database_comes_back(monkeypatch):
    """The worker's loop ended on the outage, so the task it had claimed is not running,
    yet the worker beats again and the sweep would never take it back."""
    monkeypatch.setattr(worker_command, "_wait", lambda seconds: None)
    monkeypatch.setattr(worker_command, "_close_connections", lambda: None)
    monkeypatch.setattr(worker_command, "_database_answers", lambda: True)
    # (The worker's own startup: no stale connections dropped inside a test's transaction.)
    monkeypatch.setattr(worker_command, "forget_stopped_workers", lambda: 0)
    beat(LIVE)
    other = held_by(LIVE, send_message.enqueue("another-worker's-message"))
    ids = []

    def db_worker_loop(name, *, worker_id, **options):
        if not ids:  # the first run: claims two tasks, then the database goes away
            ids.append(worker_id)
            held_by(worker_id, send_message.enqueue("a-message"))
            held_by(worker_id, send_reset_link.enqueue("someone@example.nhs.uk"))
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker_command, "call_command", db_worker_loop)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("worker", batch=True, queue_name=queues.TIME_CRITICAL, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    (worker_id,) = ids
    mine = DBTaskResult.objects.exclude(pk=other.pk)
    assert dict(mine.values_list("task_path", "status")) == {
        "notifications.tasks.send_message": "READY",
        "accounts.passwords.send_reset_link": "FAILED",
    }
    assert status(other) == "RUNNING"  # another worker's task: not this worker's to give
    reasons = AuditEvent.objects.filter(verb="take_back_orphaned_task").values_list(
        "reason", flat=True
    )
    assert all(f"its worker {worker_id} lost the database" in reason for reason in reasons)
    assert len(reasons) == 2


def test_a_failure_giving_back_does_not_stop_the_worker(monkeypatch, caplog):
    monkeypatch.setattr(worker_command, "_wait", lambda seconds: None)
    monkeypatch.setattr(worker_command, "_close_connections", lambda: None)
    monkeypatch.setattr(worker_command, "_database_answers", lambda: True)
    runs = []

    def run():
        runs.append(1)
        if len(runs) == 1:
            raise OperationalError("the database system is shutting down")

    def broken():
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="core.management.commands.worker"):
        worker_command.run_through_outages(run, after_outage=broken)
    assert len(runs) == 2
    assert any("could not give back" in r.getMessage() for r in caplog.records)


# Every task declared


def declared_tasks() -> set[str]:
    """Every function decorated with django-tasks' @task in the project's own code."""
    root = Path(settings.BASE_DIR)
    found = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in {"node_modules", "tests"} for p in parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Name) and target.id == "task":
                    module = ".".join(path.relative_to(root).with_suffix("").parts)
                    found.add(f"{module}.{node.name}")
    return found


def test_every_task_in_the_project_says_whether_it_may_run_again():
    declared = declared_tasks()
    assert len(declared) >= 6  # the scan finds them (send_message, run_duty, …)
    assert declared == set(orphaned_tasks.TASKS)
    assert orphaned_tasks.kind_of(send_message.module_path).run_again is True
