import os
import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string

from core import queues
from core.background import HeartbeatThread, beat, forget_stopped_workers


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
            call_command(
                "db_worker",
                queue_name=",".join(names),
                batch=batch,
                reload=False,
                worker_id=worker_id,
                verbosity=options["verbosity"],
            )
        finally:
            heartbeat.stop()
