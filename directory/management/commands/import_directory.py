import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import csv_safe
from core.errors import ActionError
from directory.actions import save_services
from directory.importers import MAX_CSV_BYTES, parse_csv, parse_json
from organisations.models import Area


class Command(BaseCommand):
    help = (
        "Import an Open Referral UK / HSDS 3 JSON feed or a linkwork CSV into an area's "
        "directory. All or nothing: any bad record and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--area", required=True, help="Area code, e.g. E54000059")
        parser.add_argument("--dry-run", action="store_true", help="Check only; import nothing")

    def handle(self, *args, path: Path, area: str, dry_run: bool, **options):
        target = Area.objects.filter(code=area).first()
        if target is None:
            raise CommandError(f"No area with code {area!r}")
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        if path.suffix.lower() == ".csv":
            try:
                text = csv_safe.read_path(path, max_bytes=MAX_CSV_BYTES)
            except csv_safe.CsvRefused as refused:
                raise CommandError(f"{refused.message}. Nothing was imported.") from None
            records, problems = parse_csv(text)
        else:
            text = path.read_text(encoding="utf-8-sig")
            try:
                feed = json.loads(text)
            except json.JSONDecodeError as error:
                raise CommandError(
                    f"{path} is not valid JSON: line {error.lineno}, column "
                    f"{error.colno}: {error.msg}. Nothing was imported."
                ) from None
            records, problems = parse_json(feed)
        if problems:
            for problem in problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{len(problems)} problem(s) in {path}; nothing was imported.")
        if dry_run:
            self.stdout.write(f"{len(records)} services checked; no problems (dry run).")
            return
        with tqdm(total=len(records), unit="services", disable=options["verbosity"] == 0) as bar:
            try:
                counts = save_services(by=None, area=target, records=records, progress=bar.update)
            except ActionError as refused:  # e.g. a term of another area's taxonomy
                raise CommandError(refused.message) from None
        self.stdout.write(
            f"Imported {len(records)} services into {target}: "
            f"{counts['created']} new, {counts['updated']} updated."
        )
        for warning in counts["warnings"]:
            self.stdout.write(f"  Warning: {warning}")
