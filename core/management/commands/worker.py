import contextlib
import logging
import os
import socket
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from core import orphaned_tasks, queues
from core.background import HeartbeatThread, beat, forget_stopped_workers

logger = logging.getLogger(__name__)

# While the database is away (a restart, a fail-over) the worker waits and carries on
# rather than exiting: waits double from the first to the longest.
OUTAGE_FIRST_WAIT = 1.0
OUTAGE_LONGEST_WAIT = 30.0
# A failure this soon after the database came back is the same outage (no new warning).
OUTAGE_SETTLE_SECONDS = 60.0


class Command(BaseCommand):
    help = (
        "Run background work: sending texts and emails (with retries), delivery checks, "
        "deadline reminders and escalations, CSV checks and the Figures refresh. Run one or "
        "more alongside the web server, and `manage.py sweep` to book the periodic duties; "
        "they share the work through the database. Start one per queue "
        "(--queue-name default, --queue-name bulk) so texts never wait behind bulk work."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit")
        parser.add_argument(
            "--queue-name",
            default=",".join(queues.ALL),
            help=(
                "The queues to take tasks from, comma-separated: "
                f"{', '.join(queues.ALL)} (default: all of them)"
            ),
        )

    def handle(self, *args, batch: bool, queue_name: str | None = None, **options):
        names = [name.strip() for name in (queue_name or ",".join(queues.ALL)).split(",")]
        unknown = sorted(set(names) - set(queues.ALL))
        if unknown or not names:
            raise CommandError(
                f"Unknown queue {', '.join(unknown)}: the queues are {', '.join(queues.ALL)}"
            )
        # The same id on the heartbeat row and on the tasks this process runs (worker_ids).
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"[:64]
        forget_stopped_workers()
        beat(worker_id, started_at=timezone.now())  # seen at once, before the first task
        heartbeat = HeartbeatThread(worker_id)
        heartbeat.start()
        try:
            run_through_outages(
                lambda: call_command(
                    "db_worker",
                    queue_name=",".join(names),
                    batch=batch,
                    reload=False,
                    worker_id=worker_id,
                    verbosity=options["verbosity"],
                ),
                after_outage=lambda: orphaned_tasks.take_back_held_by(worker_id),
            )
        finally:
            heartbeat.stop()


def run_through_outages(run, after_outage=None) -> None:
    """`run()` (db_worker's loop) again after the database goes away under it, instead of
    the process ending: connections are closed, the database is waited for with backoff,
    and the loop starts again. One warning when an outage starts and one line when it ends,
    not one per try. Only connection errors: a ProgrammingError (a migration not run) is a
    fault a wait will not mend, and still stops the worker.

    The task that was running when the loop ended is left RUNNING under this worker's id,
    and this worker keeps beating, so the sweep would never take it back: `after_outage()`
    (the worker's take_back_held_by) runs once the database answers, before the loop starts
    again. It is tried again, like the loop, if the database goes away once more."""
    outage_started = None
    back_at = None
    wait = OUTAGE_FIRST_WAIT
    held = False  # the loop ended on an outage: what it claimed is not running any more
    while True:
        try:
            if held and after_outage is not None:
                try:
                    after_outage()
                except (OperationalError, InterfaceError):
                    raise  # away again: waited for like any other outage
                except Exception:  # the worker still runs new tasks; the held ones stay
                    logger.exception("Worker could not give back the tasks it held")
            held = False
            run()
            return
        except (OperationalError, InterfaceError) as error:
            same_outage = back_at is not None and (
                time.monotonic() - back_at < OUTAGE_SETTLE_SECONDS
            )
            if outage_started is None or not same_outage:
                outage_started = time.monotonic()
                wait = OUTAGE_FIRST_WAIT
                logger.warning(
                    "Worker lost the database (%s): waiting for it, then carrying on",
                    str(error).strip()[:200],
                )
        while True:
            _close_connections()
            _wait(wait)
            wait = min(wait * 2, OUTAGE_LONGEST_WAIT)
            if _database_answers():
                break
        back_at = time.monotonic()
        logger.info("Worker has the database again after %.0f seconds", back_at - outage_started)
        held = True


def _close_connections() -> None:
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # a broken connection may fail to close too
            conn.close()


def _database_answers() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except (OperationalError, InterfaceError):
        return False


def _wait(seconds: float) -> None:
    time.sleep(seconds)
