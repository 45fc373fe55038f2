"""Tasks whose worker died while running them: taken back, so that none stays "running" for
ever.

A worker killed mid-task (SIGKILL, out of memory, its machine lost) leaves the task's row
RUNNING, and django-tasks never looks at it again. Each RUNNING row names the workers that
claimed it (`worker_ids`, the last is the one holding it now), and `manage.py worker` uses
that same id for its heartbeat row (core/background.py). A task is orphaned when:

- its worker has a heartbeat row and has not reported for ORPHANED_TASK_GRACE_SECONDS (the
  heartbeat comes every 30 seconds, from a thread, so a long task does not look dead), and
  the task itself has been running that long (a worker that claimed it since is alive,
  whatever its heartbeat says); or
- no worker can be tied to it (no id, or an id with no heartbeat row: a worker started
  without `manage.py worker`, or one stopped long enough ago that its row was cleared), and
  it has been running longer than its own time limit (TASKS).

`take_back_orphaned_tasks`, a periodic duty on the time-critical queue (core/periodic.py),
takes each one back: a task known to be safe to run again goes back to READY and the next
worker on its queue runs it; any other is marked FAILED with the reason, never run again
silently. A worker that loses the database in the middle of a task gives back what it held
as soon as the database answers again (core/management/commands/worker.py), without waiting
for the grace: it knows that task is no longer running. Each take-back is a conditional
UPDATE (still RUNNING, still the same claim), so two sweeps at once take a task once, and
each is audited (as nobody in particular, like the retention duty's removal of finished
tasks) and logged.

What is not covered: a worker that is not dead but silent for longer than the grace (a
machine frozen and resumed) carries on with a task already handed to another, and both
finish it. The grace, many heartbeats long, is what keeps that rare.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import audit
from core.batches import pages
from core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# How long a worker may be silent before the tasks it holds are taken back:
# settings.ORPHANED_TASK_GRACE_SECONDS. The heartbeat comes every HEARTBEAT_SECONDS (30):
# the default five minutes is ten missed beats, long enough for a database restart or a
# busy machine, short enough that a text is not held up for long.
BATCH = 200


@dataclass(frozen=True)
class TaskKind:
    """What to do with a task of this kind whose worker died. `run_again`: whether running
    it a second time is known to do no harm (why says why, or why not). `time_limit`: how
    long it may run at most, when no worker can be tied to it."""

    run_again: bool
    time_limit: timedelta
    why: str


# Every task in the project, by path: whether it may be run again after its worker died part
# way through, and why. One table rather than a flag on each @task: the decision is about
# recovery, it is reviewed as a whole, and core/tests/test_orphaned_tasks.py fails when a
# @task is added anywhere without a line here. A task not listed is never run again.
TASKS = {
    "core.periodic.run_duty": TaskKind(
        run_again=True,
        time_limit=timedelta(hours=1),
        why="each periodic duty acts only on what is still due, so a second run does no harm",
    ),
    "notifications.tasks.send_message": TaskKind(
        run_again=True,
        time_limit=timedelta(minutes=10),
        why=(
            "the outbox guards it: run again, it finds its message already claimed and does "
            "nothing, and requeue_lost_messages asks Notify before sending one stuck sending"
        ),
    ),
    "notifications.tasks.check_delivery": TaskKind(
        run_again=True,
        time_limit=timedelta(minutes=10),
        why=(
            "it acts only while its message is still sent, changing the status in the same "
            "transaction: run again, Notify is at worst asked once more"
        ),
    ),
    "reporting.refresh.rebuild_task": TaskKind(
        run_again=True,
        time_limit=timedelta(hours=6),
        why="it builds the Figures afresh from the records every time",
    ),
    "directory.tasks.refresh_term_listings": TaskKind(
        run_again=True,
        time_limit=timedelta(hours=1),
        why="it rebuilds the search entries of a term's listings from the listings as they are",
    ),
    "directory.tasks.refresh_phrase_listings": TaskKind(
        run_again=True,
        time_limit=timedelta(hours=1),
        why="it rebuilds the search entries of the listings holding a phrase from them as they are",
    ),
    "accounts.passwords.send_reset_link": TaskKind(
        run_again=False,
        time_limit=timedelta(minutes=10),
        why="run again, it would email a second reset link if the first was already queued",
    ),
    "referrals.tasks.process_bulk_upload": TaskKind(
        run_again=False,
        time_limit=timedelta(hours=1),
        why=(
            "run again it would stop at an upload already being checked, and two runs at "
            "once could both import it"
        ),
    ),
}
UNLISTED = TaskKind(
    run_again=False,
    time_limit=timedelta(hours=1),
    why="it is not known to be safe to run twice (core/orphaned_tasks.py TASKS)",
)


class WorkerLost(Exception):
    """Recorded as the error of a task taken back as FAILED (django-tasks shows it as the
    task's exception, with the reason in place of a traceback)."""


def kind_of(task_path: str) -> TaskKind:
    return TASKS.get(task_path, UNLISTED)


def grace() -> timedelta:
    return timedelta(seconds=settings.ORPHANED_TASK_GRACE_SECONDS)


def holder(task: DBTaskResult) -> str | None:
    """The worker holding a RUNNING task: the last to claim it."""
    return task.worker_ids[-1] if task.worker_ids else None


def why_orphaned(
    task: DBTaskResult, last_seen_at: datetime | None, now: datetime, wait: timedelta
) -> str | None:
    """Why this RUNNING task is orphaned, or None while it may still be running.
    `last_seen_at`: its worker's last heartbeat (None: no worker can be tied to it)."""
    running_for = now - task.started_at
    if running_for < wait:
        return None
    if last_seen_at is not None:
        silent = now - last_seen_at
        if silent < wait:
            return None
        return (
            f"its worker {holder(task)} stopped reporting {_minutes(silent)} ago "
            f"(the task started {_minutes(running_for)} ago)"
        )
    limit = kind_of(task.task_path).time_limit
    if running_for < limit:
        return None
    return (
        f"running for {_minutes(running_for)}, longer than its limit of {_minutes(limit)}, "
        f"and no reporting worker holds it ({holder(task) or 'no worker id'})"
    )


def take_back_orphaned_tasks(now: datetime | None = None) -> dict:
    """The periodic duty: every orphaned task taken back. How many went back to READY and
    how many were marked FAILED."""
    now = now or timezone.now()
    wait = grace()
    counts = {"run_again": 0, "failed": 0}
    # A task younger than the grace is never orphaned, whatever its worker.
    running = DBTaskResult.objects.running().filter(started_at__lt=now - wait)
    for batch in _batches(running):
        workers = {holder(task) for task in batch} - {None}
        seen = dict(
            WorkerHeartbeat.objects.filter(pk__in=workers).values_list("pk", "last_seen_at")
        )
        for task in batch:
            reason = why_orphaned(task, seen.get(holder(task)), now, wait)
            if reason is not None:
                outcome = take_back(by=None, task=task, why=reason)
                if outcome is not None:
                    counts[outcome] += 1
    return counts


def take_back_held_by(worker_id: str) -> dict:
    """Everything this worker holds, taken back at once: for the worker itself, when its
    loop ended on a lost database and nothing it claimed is running any more."""
    counts = {"run_again": 0, "failed": 0}
    why = f"its worker {worker_id} lost the database while running it"
    # Few rows are RUNNING at any time; which worker holds each is read here, as SQLite
    # cannot look inside a JSON list.
    for batch in _batches(DBTaskResult.objects.running()):
        for task in batch:
            if holder(task) == worker_id:
                outcome = take_back(by=None, task=task, why=why)
                if outcome is not None:
                    counts[outcome] += 1
    return counts


@transaction.atomic
def take_back(*, by, task: DBTaskResult, why: str) -> str | None:
    """Back to READY if the task may run again, else FAILED with the reason: "run_again" or
    "failed", or None if it is no longer as it was read (finished, or taken back by a sweep
    running at the same moment)."""
    kind = kind_of(task.task_path)
    # The same claim as was read: still RUNNING, since the same start. A worker's claim sets
    # started_at, so a task taken back and claimed again since does not match.
    still_held = DBTaskResult.objects.filter(
        pk=task.pk, status="RUNNING", started_at=task.started_at
    )
    if kind.run_again:
        outcome = "run_again"
        taken = still_held.update(status="READY")
        reason = f"Run again: {why}; safe to run again because {kind.why}"
    else:
        outcome = "failed"
        reason = f"Not run again: {why}; not run again because {kind.why}"
        taken = still_held.update(
            status="FAILED",
            finished_at=timezone.now(),
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: {reason}\n",
        )
    if not taken:
        return None
    audit.record_change(
        by=by,
        verb="take_back_orphaned_task",
        obj=task,
        reason=reason[:255],
        task=task.task_path,
        worker=holder(task) or "",
        outcome=outcome,
    )
    # The task's arguments may be personal (an email address): only its id and path.
    log = logger.warning if kind.run_again else logger.error
    log("Task %s (%s) taken back: %s", task.pk, task.task_path, reason)
    return outcome


def _batches(queryset):
    """Every row, BATCH at a time (keyset pages: taking rows back does not shift them)."""
    return pages(queryset.only("pk", "task_path", "started_at", "worker_ids"), size=BATCH)


def _minutes(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{round(minutes / 60)} hours"
