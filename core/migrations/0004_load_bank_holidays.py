import csv
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "bank-holidays-england-and-wales.csv"


def load(apps, schema_editor):
    BankHoliday = apps.get_model("core", "BankHoliday")
    with DATA.open(encoding="utf-8") as handle:
        rows = [(date.fromisoformat(r["date"]), r["title"]) for r in csv.DictReader(handle)]
    BankHoliday.objects.bulk_create(
        [BankHoliday(date=day, title=title) for day, title in rows], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_bank_holidays")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
