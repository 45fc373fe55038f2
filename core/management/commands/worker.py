from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

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
        book_next(timezone.now())
        call_command(
            "db_worker",
            queue_name="default",
            batch=batch,
            reload=False,
            verbosity=options["verbosity"],
        )
