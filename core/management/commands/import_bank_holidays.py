import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.actions import replace_bank_holidays


class Command(BaseCommand):
    help = (
        "Load England and Wales bank holidays from a download of "
        "https://www.gov.uk/bank-holidays.json (adds and corrects; keeps other years)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            feed = json.loads(path.read_text(encoding="utf-8"))
            events = feed["england-and-wales"]["events"]
            holidays = [(date.fromisoformat(e["date"]), e["title"]) for e in events]
        except FileNotFoundError:
            raise CommandError(f"{path} does not exist") from None
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(
                f"{path} is not GOV.UK's bank-holidays.json "
                f"(expected england-and-wales → events → date, title): {error}"
            ) from None
        count = replace_bank_holidays(by=None, holidays=holidays)
        self.stdout.write(f"{count} bank holidays in England and Wales loaded.")
