from django.db import migrations

SOURCE = "SNOMED CT UK edition; NHS England social prescribing codes (product.md)"

CONCEPTS = [
    (
        "referral-to-social-prescribing",
        "871731000000106",
        "Referral to social prescribing service (procedure)",
    ),
    ("social-prescribing-declined", "871711000000103", "Social prescribing declined (situation)"),
]


def load(apps, schema_editor):
    Concept = apps.get_model("core", "Concept")
    for key, code, display in CONCEPTS:
        Concept.objects.update_or_create(
            key=key,
            defaults={
                "system": "http://snomed.info/sct",
                "code": code,
                "display": display,
                "source": SOURCE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
