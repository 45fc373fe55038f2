"""Install population figures for the equity dashboard (census or mid-year estimates)."""

from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import csv_safe
from organisations.models import Area
from referrals.demographics import AGE_BANDS, EthnicGroup
from reporting.actions import POPULATION_DIMENSIONS, replace_population

COLUMNS = ["area_code", "dimension", "value", "people"]
# Every local authority in England by every dimension is about 20,000 rows.
MAX_ROWS = 200_000
MAX_BYTES = 20 * 1024 * 1024
VALUES = {
    "age_band": {code for _, _, code, _ in AGE_BANDS},
    "sex": {"female", "male"},
    "ethnic_group": set(EthnicGroup.values) - {EthnicGroup.NOT_STATED},
    "imd_decile": {str(d) for d in range(1, 11)},
}


class Command(BaseCommand):
    help = (
        "Install population figures from a CSV with columns area_code, dimension "
        "(age_band, sex, ethnic_group or imd_decile), value and people. Each area and "
        "dimension in the file replaces what was there; a file with any bad row changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source",
            required=True,
            help='Where the figures come from, e.g. "ONS Census 2021, TS007A"',
        )

    def handle(self, *args, path: Path, source: str, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        areas = dict(Area.objects.values_list("code", "pk"))
        found = defaultdict(dict)
        problems = []
        try:
            text = csv_safe.read_path(path, max_bytes=MAX_BYTES)
            reader = csv_safe.dict_reader(text, max_rows=MAX_ROWS, restval="")
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path} has no column(s) {', '.join(missing)}")
            for row in reader:
                line = reader.line_num  # blank lines are skipped, so count the file's lines
                known = len(problems)
                code, dimension = row["area_code"].strip(), row["dimension"].strip()
                value, people = row["value"].strip(), row["people"].strip().replace(",", "")
                if code not in areas:
                    problems.append(f"line {line}: no area with code {code!r}")
                if dimension not in POPULATION_DIMENSIONS:
                    problems.append(
                        f"line {line}: dimension must be one of {', '.join(POPULATION_DIMENSIONS)}"
                    )
                elif value not in VALUES[dimension]:
                    problems.append(
                        f"line {line}: {value!r} is not a {dimension} "
                        f"({', '.join(sorted(VALUES[dimension]))})"
                    )
                if not people.isdecimal():
                    problems.append(f"line {line}: people must be a whole number")
                if (code, dimension) in found and value in found[(code, dimension)]:
                    problems.append(f"line {line}: {code} {dimension} {value} is given twice")
                if len(problems) == known:
                    found[(code, dimension)][value] = int(people)
        except csv_safe.CsvRefused as refused:
            raise CommandError(f"{refused.message}. Nothing was installed.") from None
        if problems:
            raise CommandError(
                "Nothing was installed:\n"
                + "\n".join(problems[:50])
                + (f"\n… and {len(problems) - 50} more" if len(problems) > 50 else "")
            )
        with transaction.atomic():
            for (code, dimension), people in found.items():
                replace_population(
                    by=None,
                    area=Area.objects.get(pk=areas[code]),
                    dimension=dimension,
                    people=people,
                    source=source,
                )
        self.stdout.write(f"Installed {sum(len(p) for p in found.values())} population figures.")
