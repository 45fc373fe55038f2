import os
import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.crypto import get_random_string

from core.background import HeartbeatThread, beat, forget_stopped_workers
from core.periodic import book_next


class Command(BaseCommand):
    help = (
        "Run background work: sending texts and emails (with retries), delivery checks, "
        "deadline reminders and escalations, and daily listing checks. Run one or more "
        "alongside the web server; they share the work through the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit")

    def handle(self, *args, batch: bool, **options):
        # The same id on the heartbeat row and on the tasks this process runs (worker_ids).
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"[:64]
        forget_stopped_workers()
        beat(worker_id, started_at=timezone.now())  # seen at once, before the first task
        heartbeat = HeartbeatThread(worker_id)
        heartbeat.start()
        try:
            book_next(timezone.now())
            call_command(
                "db_worker",
                queue_name="default",
                batch=batch,
                reload=False,
                worker_id=worker_id,
                verbosity=options["verbosity"],
            )
        finally:
            heartbeat.stop()
