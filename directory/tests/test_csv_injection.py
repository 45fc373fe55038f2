"""A provider-typed formula leaves export_directory as text, not a formula (issue 13), and
comes back unchanged when the export is imported again; the CSV import has limits."""

import csv

import pytest
from django.core.management import CommandError, call_command

from core.csv_safe import PLAIN_NUMBER
from directory import importers
from directory.models import Service
from tests import factories

pytestmark = pytest.mark.django_db
ATTACK = "=cmd|' /C calc'!A0"


def export(area, tmp_path):
    out = tmp_path / "export.csv"
    call_command("export_directory", area=area.code, format="csv", output=str(out))
    with out.open(newline="") as handle:
        return out, list(csv.DictReader(handle))


def test_export_directory_neutralises_a_provider_typed_formula(area, tmp_path):
    factories.activity(area=area, name=ATTACK, description="+44 7700 900461 or @ the hall")
    _, rows = export(area, tmp_path)
    (row,) = rows
    assert row["name"] == "'" + ATTACK
    assert row["organization_name"] == "'" + ATTACK + " group"
    assert row["description"] == "'+44 7700 900461 or @ the hall"
    # Figures stay figures: the factory's longitude is west of Greenwich.
    assert float(row["longitude"]) == -0.99 and row["longitude"].startswith("-0.99")
    for value in row.values():
        assert not value or value[0] not in "=+-@\t\r" or PLAIN_NUMBER.fullmatch(value), value


def test_an_exported_formula_is_imported_back_as_it_was(area, tmp_path):
    factories.activity(area=area, name=ATTACK)
    path, _ = export(area, tmp_path)
    call_command("import_directory", str(path), area=area.code, verbosity=0)
    assert Service.objects.get().name == ATTACK


def test_a_directory_csv_with_too_many_rows_is_refused(area, monkeypatch):
    monkeypatch.setattr(importers, "MAX_CSV_ROWS", 1)
    header = ",".join(importers.CSV_COLUMNS)
    records, problems = importers.parse_csv(f"{header}\n\n{'x,' * 3}\n{'y,' * 3}\n")
    assert "line 4: -: The file has more than 1 rows: split it into several" in [
        str(p) for p in problems
    ]


def test_a_directory_csv_larger_than_the_limit_is_refused(area, tmp_path, monkeypatch):
    from directory.management.commands import import_directory

    monkeypatch.setattr(import_directory, "MAX_CSV_BYTES", 1024)
    path = tmp_path / "big.csv"
    path.write_text(",".join(importers.CSV_COLUMNS) + "\n" + "x," * 1000 + "\n")
    with pytest.raises(CommandError, match="at most 1 KB at a time. Nothing was imported"):
        call_command("import_directory", str(path), area=area.code, verbosity=0)
