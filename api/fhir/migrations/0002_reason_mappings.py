"""Reasons for referral as codes → linkwork's needs. Every need can be sent with linkwork's
own code system; SNOMED CT concepts below are international-edition concepts chosen for the
meaning; check each against the current UK edition (NHS Digital terminology browser)
before relying on it in production, and add local ones here."""

from django.db import migrations

NEEDS_SYSTEM = "https://linkwork.example/fhir/CodeSystem/need"
SNOMED = "http://snomed.info/sct"
SOURCE = "SNOMED CT international edition; meaning-matched, to be confirmed in the UK edition"
SNOMED_CODES = [
    ("422650009", "Social isolation (finding)", "loneliness"),
    ("160903007", "Lives alone (finding)", "loneliness"),
    ("48694002", "Anxiety (finding)", "anxiety"),
    ("197480006", "Anxiety disorder (disorder)", "anxiety"),
    ("366979004", "Depressed mood (finding)", "low-mood"),
    ("35489007", "Depressive disorder (disorder)", "low-mood"),
    ("58703003", "Postpartum depression (disorder)", "new-parent"),
    ("58703003", "Postpartum depression (disorder)", "low-mood"),
    ("27624003", "Chronic disease (disorder)", "long-term-condition"),
    ("32911000", "Homeless (finding)", "housing"),
]


def load(apps, schema_editor):
    Need = apps.get_model("referrals", "Need")
    ReasonMapping = apps.get_model("fhir", "ReasonMapping")
    for need in Need.objects.all():
        ReasonMapping.objects.update_or_create(
            system=NEEDS_SYSTEM,
            code=need.code,
            need=need,
            defaults={"display": need.label, "source": "linkwork"},
        )
    for code, display, need_code in SNOMED_CODES:
        need = Need.objects.filter(code=need_code).first()
        if need:
            ReasonMapping.objects.update_or_create(
                system=SNOMED, code=code, need=need, defaults={"display": display, "source": SOURCE}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("fhir", "0001_initial"),
        ("referrals", "0002_needs_and_discharge_reasons"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
