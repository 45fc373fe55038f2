"""The periodic sweep: one task that does every timed duty, then books its next run. The
`worker` command makes sure one is booked; each duty is safe to run twice (it only acts on
what is still due), so a late or doubled sweep does no harm."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from core.models import PeriodicRun

logger = logging.getLogger(__name__)

EVERY = timedelta(minutes=15)
# (dotted path, how often): run by the sweep when that long has passed since the last run.
DUTIES = [
    ("onward.actions.run_clock", EVERY),
    ("referrals.deadlines.run_clock", EVERY),
    ("outcomes.actions.run_clock", EVERY),
    ("notifications.tasks.requeue_lost_messages", EVERY),
    ("core.audit_chain.seal_pending", EVERY),
    ("directory.actions.daily_freshness_review", timedelta(hours=23)),
    ("reporting.refresh.refresh", EVERY),
    ("reporting.refresh.book_rebuild", timedelta(hours=23)),
    ("accounts.actions.forget_old_sign_in_attempts", timedelta(hours=23)),
    # Accounts unused for 80 days: the area's administrators told; at 90: switched off.
    ("accounts.actions.review_unused_accounts", timedelta(hours=23)),
]
TASK_PATH = "core.periodic.sweep"


@task()
def sweep() -> dict:
    results = run_duties()
    book_next(timezone.now() + EVERY)
    return results


def run_duties(now=None) -> dict:
    now = now or timezone.now()
    results = {}
    for path, interval in DUTIES:
        with transaction.atomic():
            last = PeriodicRun.objects.select_for_update().filter(name=path).first()
            if last and now - last.last_run_at < interval - timedelta(minutes=1):
                continue
            PeriodicRun.objects.update_or_create(name=path, defaults={"last_run_at": now})
        try:
            results[path] = import_string(path)()
        except Exception:  # one broken duty must not stop the others
            logger.exception("Periodic duty %s failed", path)
            results[path] = "failed"
    return results


def book_next(when) -> None:
    """Book the next sweep unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists()
    if not waiting:
        sweep.using(run_after=when).enqueue()
