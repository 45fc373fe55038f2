from django.core.management.base import BaseCommand

from directory.actions import review_freshness


class Command(BaseCommand):
    help = (
        "Hide listings not checked for 12 months and count those due a reminder (6 "
        "months). Run daily (cron, or the task worker once it exists)."
    )

    def handle(self, *args, **options):
        counts = review_freshness(by=None)
        self.stdout.write(
            f"Hidden {counts['hidden']} stale listings; "
            f"{counts['reminders_due']} are due a reminder."
        )
