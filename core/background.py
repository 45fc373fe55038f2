"""Is background work keeping up? The worker's heartbeat, and the backlog behind it.

Each `manage.py worker` process writes a heartbeat row when it starts and every
HEARTBEAT_SECONDS after that, from a thread, so a long task does not make a working worker
look dead. The health check (`/api/v1/health`) and the banner on team leads' pages read the
backlog: how long the oldest task that is due has waited, and when a worker last reported.

Heartbeats are machine telemetry, like the task rows django-tasks writes itself: they are
not a record about people, so they are written here, with no actor and no audit row.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.db.models import Case, F, Max, Min, Subquery, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core.models import WorkerHeartbeat
from core.permissions import Permission, has_permission

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
# Rows of workers that stopped long ago are cleared when a worker starts.
FORGET_WORKERS_AFTER = timedelta(days=1)
CACHE_KEY = "core:background-backlog"


def beat(worker_id: str, *, started_at: datetime | None = None) -> None:
    """Record that this worker is alive now (one UPDATE; an INSERT the first time)."""
    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(last_seen_at=now):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id, defaults={"started_at": started_at or now, "last_seen_at": now}
        )


def forget_stopped_workers() -> int:
    cutoff = timezone.now() - FORGET_WORKERS_AFTER
    return WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()[0]


def _database_is_locked(error: Exception) -> bool:
    """SQLite's "database is locked": another connection held the write lock for longer than
    the busy timeout. Expected now and then on SQLite (a demo, a test), not a fault."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


class HeartbeatThread(threading.Thread):
    """Beats every `every` seconds until stopped. A failed beat (the database away for a
    moment) is logged and tried again next time: the worker itself carries on. A beat that
    found SQLite locked is one line (a warning); any other failure keeps its traceback."""

    def __init__(self, worker_id: str, *, every: float = HEARTBEAT_SECONDS):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    beat(self.worker_id)
                except Exception as error:
                    if _database_is_locked(error):
                        logger.warning(
                            "Worker heartbeat skipped: the database is locked; trying again "
                            "in %s seconds",
                            self.every,
                        )
                    else:
                        logger.exception("Worker heartbeat failed; trying again")
                    connection.close()  # a fresh connection next time
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


@dataclass(frozen=True)
class Backlog:
    """oldest_due_at: since when the longest-waiting due task has been due (None: nothing
    is due). last_heartbeat_at: None when no worker has reported, or when nothing is due and
    backlog()'s one query did not ask."""

    checked_at: datetime
    oldest_due_at: datetime | None
    last_heartbeat_at: datetime | None

    @property
    def waiting_seconds(self) -> float:
        if self.oldest_due_at is None:
            return 0.0
        return max(0.0, (self.checked_at - self.oldest_due_at).total_seconds())

    @property
    def heartbeat_seconds(self) -> float | None:
        if self.last_heartbeat_at is None:
            return None
        return max(0.0, (self.checked_at - self.last_heartbeat_at).total_seconds())

    def worker_silent(self, limit: float) -> bool:
        seconds = self.heartbeat_seconds
        return seconds is None or seconds > limit

    def behind(self, limit: float) -> bool:
        """A due task has waited longer than `limit`, or work is waiting and no worker has
        reported for that long (it will not be picked up)."""
        waiting = self.oldest_due_at is not None
        return self.waiting_seconds > limit or (waiting and self.worker_silent(limit))

    @property
    def lag_seconds(self) -> float:
        """How far behind background work is: the oldest due task's wait, or, when work is
        waiting and no worker is reporting, how long they have been silent."""
        lag = self.waiting_seconds
        if self.oldest_due_at is not None:
            silent = self.heartbeat_seconds
            if silent is None:
                return lag
            lag = max(lag, silent)
        return lag


def _waiting_since():
    # A task booked for later is waiting from when it fell due, not from when it was booked.
    return Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
    )


def backlog() -> Backlog:
    """One query: the oldest due task, and (when any is due) the latest heartbeat."""
    now = timezone.now()
    latest = WorkerHeartbeat.objects.order_by("-last_seen_at").values("last_seen_at")[:1]
    row = DBTaskResult.objects.ready().aggregate(
        oldest=Min(_waiting_since()),
        # An aggregate over due tasks; a scalar subquery inside it keeps this one query.
        heartbeat=Max(Subquery(latest)),
    )
    return Backlog(checked_at=now, oldest_due_at=row["oldest"], last_heartbeat_at=row["heartbeat"])


def last_heartbeat() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(latest=Max("last_seen_at"))["latest"]


def staff_warning(request) -> str | None:
    """The banner for people who run a service, when background work is behind; nothing
    (and no query) for everyone else. Cached briefly: one small query at most every
    BACKGROUND_STATUS_CACHE_SECONDS per web process."""
    if not has_permission(request.user, Permission.BACKGROUND_WORK_STATUS):
        return None
    limit = settings.WORKER_LAG_ALERT_SECONDS
    seconds = settings.BACKGROUND_STATUS_CACHE_SECONDS
    state = cache.get(CACHE_KEY) if seconds else None
    if state is None:
        current = backlog()
        stopped = current.oldest_due_at is not None and current.worker_silent(limit)
        state = (current.behind(limit), stopped, round(current.lag_seconds / 60))
        if seconds:
            cache.set(CACHE_KEY, state, seconds)
    is_behind, stopped, minutes = state
    if not is_behind:
        return None
    if stopped:
        lead = "Background work has stopped"
    else:
        lead = f"Background work is {minutes} minute{'' if minutes == 1 else 's'} behind"
    return (
        f"{lead}: texts, emails, questionnaire links, uploads and safety-alert escalations "
        "are waiting. Tell whoever runs linkwork that the worker needs checking."
    )


def health() -> tuple[int, dict]:
    """(status, body) for /api/v1/health: 503 when the database cannot be reached, or when
    background work is behind or no worker has reported for WORKER_LAG_ALERT_SECONDS."""
    from django.db import DatabaseError

    limit = settings.WORKER_LAG_ALERT_SECONDS
    body = {"ok": False, "time": timezone.now().isoformat(), "database": "unavailable"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        current = backlog()
        if current.oldest_due_at is None:  # the one query did not ask for the heartbeat
            current = Backlog(current.checked_at, None, last_heartbeat())
    except DatabaseError:
        logger.exception("Health check: the database cannot be reached")
        return 503, body
    body["database"] = "ok"
    silent = current.heartbeat_seconds
    worker_ok = not current.behind(limit) and not current.worker_silent(limit)
    body["worker"] = {
        "ok": worker_ok,
        "oldest_due_task_waiting_seconds": round(current.waiting_seconds),
        "last_heartbeat_seconds": None if silent is None else round(silent),
        "lag_seconds": round(current.lag_seconds),
        "alert_after_seconds": limit,
    }
    body["ok"] = worker_ok
    return (200 if worker_ok else 503), body
