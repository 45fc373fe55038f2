from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import csv_safe
from organisations import ods
from organisations.actions import import_ods_practices
from organisations.models import Area


class Command(BaseCommand):
    help = (
        "Import an area's GP practices from the NHS ODS `epraccur` file (and, with --pcns, "
        "their PCNs from the PCN Core Partner Details file), as downloaded. Only GP practices "
        "whose ICB or sub-ICB location is one of the area's ODS codes are kept. Matched by ODS "
        "code, so it can be run again with each new file. All or nothing: any problem is "
        "listed by line and column and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The epraccur CSV")
        parser.add_argument("--area", required=True, help="The area's code")
        parser.add_argument("--pcns", type=Path, help="The epcncorepartnerdetails CSV")

    def handle(self, *args, file, area, pcns, **options):
        target = Area.objects.filter(code=area.strip().upper(), operator=False).first()
        if target is None:
            raise CommandError(f"There is no area with the code {area}")
        try:
            practices_text = csv_safe.read_path(file, max_bytes=ods.MAX_BYTES)
            pcns_text = csv_safe.read_path(pcns, max_bytes=ods.MAX_BYTES) if pcns else None
        except (csv_safe.CsvRefused, OSError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None

        def progress(rows):
            return tqdm(rows, desc="Practices", unit=" practices", disable=None)

        result = import_ods_practices(
            by=None,
            area=target,
            practices_text=practices_text,
            pcns_text=pcns_text,
            progress=progress,
        )
        if not result.ok:
            for p in result.problems:
                where = f"Line {p.line}" + (f", column {p.column}" if p.column else "")
                self.stderr.write(f"{where}: {p.message}")
            count = len(result.problems)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} to fix."
            )
        self.stdout.write(
            f"{target.name}: {result.created} added, {result.updated} updated "
            f"({result.closed} closed), {result.unchanged} unchanged, {result.skipped} rows "
            f"of other areas or not GP practices skipped; {result.pcns_created} PCNs added."
        )
