import csv
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "outcodes.csv"


def load_districts(apps, schema_editor):
    Postcode = apps.get_model("geography", "Postcode")
    with DATA.open(newline="") as handle:
        rows = [
            Postcode(
                code=row["postcode"].strip().upper(),
                precision="district",
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                source="outcodes.csv (district centroid)",
            )
            for row in csv.DictReader(handle)
            if row["latitude"] and row["longitude"]
        ]
    Postcode.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Postcode",
            fields=[
                (
                    "code",
                    models.CharField(
                        help_text="Normalised, e.g. NN12 6AB",
                        max_length=8,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "precision",
                    models.CharField(
                        choices=[
                            ("full", "Full postcode"),
                            ("sector", "Postcode sector"),
                            ("district", "Postcode district"),
                        ],
                        max_length=10,
                    ),
                ),
                ("latitude", models.FloatField()),
                ("longitude", models.FloatField()),
                ("source", models.CharField(max_length=60)),
            ],
        ),
        migrations.RunPython(load_districts, migrations.RunPython.noop),
    ]
