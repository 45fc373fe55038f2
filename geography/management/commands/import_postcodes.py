"""Import full postcodes from the ONS Postcode Directory (ONSPD) CSV, and derive sector
centroids from them. Re-running updates in place."""

import csv
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from geography.models import Postcode
from organisations.actions import relocate_organisations

BATCH = 5000
NO_LOCATION = 99.0  # ONSPD puts 99.999999 where a postcode has no grid reference
# ONSPD's `imd` is the rank of the postcode's LSOA in the English Index of Multiple
# Deprivation 2019 (1 = most deprived of 32,844 LSOAs); Welsh, Scottish and Northern Irish
# ranks are on their own indices, so only English LSOAs (E01…) get a decile.
ENGLISH_LSOAS = 32_844


def imd_decile(lsoa: str, rank: str) -> int | None:
    if not lsoa.startswith("E01") or not rank.strip().isdigit():
        return None
    position = int(rank)
    if not 1 <= position <= ENGLISH_LSOAS:
        return None
    # MHCLG's deciles: the first is ranks 1 to 3,284, i.e. ceil(rank / 3,284.4).
    return -(-position * 10 // ENGLISH_LSOAS)


class Command(BaseCommand):
    help = (
        "Import full postcodes from an ONS Postcode Directory CSV (columns pcds, lat, long; "
        "and lsoa11 or lsoa21 with imd, for deprivation deciles)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--include-terminated",
            action="store_true",
            help="Also import postcodes no longer in use (doterm set)",
        )

    def handle(self, *args, path: Path, include_terminated: bool, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        sectors: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        imported = skipped = 0
        with path.open(newline="", encoding="utf-8-sig") as handle, transaction.atomic():
            reader = csv.DictReader(handle)
            missing = {"pcds", "lat", "long"} - set(reader.fieldnames or [])
            if missing:
                raise CommandError(
                    f"{path} is not an ONSPD file: no column(s) {', '.join(sorted(missing))}"
                )
            batch = []
            progress = tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                desc="postcodes",
                disable=options["verbosity"] == 0,
            )
            for number, row in enumerate(reader, start=2):
                progress.update(sum(len(v or "") + 1 for v in row.values()))
                if row.get("doterm") and not include_terminated:
                    skipped += 1
                    continue
                try:
                    code = " ".join(row["pcds"].upper().split())
                    lat, lon = float(row["lat"]), float(row["long"])
                except (ValueError, AttributeError):
                    raise CommandError(
                        f"line {number}: bad postcode or coordinates "
                        f"({row.get('pcds')!r}, {row.get('lat')!r}, "
                        f"{row.get('long')!r}); nothing was imported"
                    ) from None
                if abs(lat) >= NO_LOCATION:
                    skipped += 1
                    continue
                lsoa = (row.get("lsoa11") or row.get("lsoa21") or "").strip()
                batch.append(
                    Postcode(
                        code=code,
                        precision="full",
                        latitude=lat,
                        longitude=lon,
                        source="ONSPD",
                        lsoa=lsoa,
                        imd_decile=imd_decile(lsoa, row.get("imd") or ""),
                    )
                )
                sector = sectors[code[:-2]]
                sector[0] += lat
                sector[1] += lon
                sector[2] += 1
                if len(batch) >= BATCH:
                    imported += self._save(batch)
            imported += self._save(batch)
            progress.close()
            self._save(
                [
                    Postcode(
                        code=code,
                        precision="sector",
                        latitude=s[0] / s[2],
                        longitude=s[1] / s[2],
                        source="ONSPD (sector centroid)",
                    )
                    for code, s in sectors.items()
                ]
            )
        # Practices were placed at what was known before (often a district centroid).
        moved = relocate_organisations(by=None)
        self.stdout.write(
            f"Imported {imported} postcodes and {len(sectors)} sectors; "
            f"skipped {skipped} terminated or unlocated; {moved} organisations placed anew."
        )

    def _save(self, batch):
        Postcode.objects.bulk_create(
            batch,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["precision", "latitude", "longitude", "source", "lsoa", "imd_decile"],
        )
        count = len(batch)
        batch.clear()
        return count
