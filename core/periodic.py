"""The periodic duties: each runs as its own task, on the queue its kind says, when its
interval has passed since it last ran.

`manage.py sweep` (one process, beside the workers) books every duty that has fallen due
each minute (`book_due`); a worker on that duty's queue runs it (`run_duty`). One slow or
failing duty therefore never holds up another, and a time-critical one (a deadline clock,
the questionnaire clock that escalates safety alerts) never waits behind a bulk one (the
Figures refresh) as long as each queue has a worker (core/queues.py). A duty is booked
again only after its interval, and not while an earlier booking of it is still waiting, so
a backlog does not pile up copies; each duty is safe to run twice (it only acts on what is
still due), so a late or doubled run does no harm, and a duty whose worker died while
running it is simply run again (core/orphaned_tasks.py).

`run_duties` runs every due duty at once in this process (tests, the demo loader). Nothing
books itself: an installation without the sweep process runs no periodic duty at all
(docs/operations.md, "Processes")."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from core import queues
from core.models import PeriodicRun

logger = logging.getLogger(__name__)

EVERY = timedelta(minutes=15)
# (dotted path, how often): run when that long has passed since the last run.
DUTIES = [
    ("onward.actions.run_clock", EVERY),
    ("referrals.deadlines.run_clock", EVERY),
    ("outcomes.actions.run_clock", EVERY),
    ("notifications.tasks.requeue_lost_messages", EVERY),
    # Requests seal their own rows at most once a second per process (core/audit.py): this
    # seals whatever the last requests of a burst left, within a minute.
    ("core.audit_chain.seal_pending", timedelta(minutes=1)),
    # Tasks left running by a worker that died: run again elsewhere, or failed with the
    # reason (core/orphaned_tasks.py).
    ("core.orphaned_tasks.take_back_orphaned_tasks", timedelta(minutes=1)),
    ("directory.actions.daily_freshness_review", timedelta(hours=23)),
    ("reporting.refresh.refresh", EVERY),
    ("reporting.refresh.book_rebuild", timedelta(hours=23)),
    ("accounts.actions.forget_old_sign_in_attempts", timedelta(hours=23)),
    # docs/retention.md: spent links, sessions and finished tasks removed; closed records
    # erased after their period; the audit trail cut after its own.
    ("retention.duty.apply_retention_policy", timedelta(hours=23)),
    # Accounts unused for 80 days: the area's administrators told; at 90: switched off.
    ("accounts.actions.review_unused_accounts", timedelta(hours=23)),
]
# The duties people are waiting on: deadline reminders and escalations, questionnaires and
# safety-alert escalations, lost texts sent again. Every other duty runs on the bulk queue.
TIME_CRITICAL_DUTIES = {
    "onward.actions.run_clock",
    "referrals.deadlines.run_clock",
    "outcomes.actions.run_clock",
    "notifications.tasks.requeue_lost_messages",
    # Not urgent, but quick, and "sealed within a minute" must not wait behind a rebuild.
    "core.audit_chain.seal_pending",
    # A text or an escalation its worker died holding waits on this.
    "core.orphaned_tasks.take_back_orphaned_tasks",
}
RUN_DUTY_PATH = "core.periodic.run_duty"


def queue_for(path: str) -> str:
    return queues.TIME_CRITICAL if path in TIME_CRITICAL_DUTIES else queues.BULK


@task(queue_name=queues.TIME_CRITICAL)
def run_duty(path: str):
    """One periodic duty. A failure is this task's alone (recorded as FAILED with its
    traceback); the duty is booked again at its next interval."""
    if path not in dict(DUTIES):
        raise ValueError(f"{path} is not a periodic duty")
    return import_string(path)()


def _claim(path: str, interval: timedelta, now: datetime) -> bool:
    """Inside a transaction: mark the duty as run now if its interval has passed (a minute's
    grace, so a sweep a little early still counts)."""
    last = PeriodicRun.objects.select_for_update().filter(name=path).first()
    if last and now - last.last_run_at < interval - timedelta(minutes=1):
        return False
    PeriodicRun.objects.update_or_create(name=path, defaults={"last_run_at": now})
    return True


def book_due(now: datetime | None = None) -> list[str]:
    """Book each duty that has fallen due as its own task on its queue; the paths booked."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    booked = []
    for path, interval in DUTIES:
        with transaction.atomic():
            waiting = DBTaskResult.objects.filter(
                task_path=RUN_DUTY_PATH, status="READY", args_kwargs__args__0=path
            )
            if waiting.exists() or not _claim(path, interval, now):
                continue
            # The task row is written in this transaction: claimed and booked, or neither.
            run_duty.using(queue_name=queue_for(path)).enqueue(path)
        booked.append(path)
    return booked


def run_duties(now=None) -> dict:
    """Run every due duty now, one after another, in this process."""
    now = now or timezone.now()
    results = {}
    for path, interval in DUTIES:
        with transaction.atomic():
            if not _claim(path, interval, now):
                continue
        try:
            results[path] = import_string(path)()
        except Exception:  # one broken duty must not stop the others
            logger.exception("Periodic duty %s failed", path)
            results[path] = "failed"
    return results
