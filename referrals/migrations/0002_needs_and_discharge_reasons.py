from django.db import migrations

NEEDS = [
    ("loneliness", "Loneliness or isolation", "Feeling alone, few people to talk to"),
    ("anxiety", "Anxiety or stress", "Worry, panic, feeling on edge"),
    ("low-mood", "Low mood", "Feeling down, lack of motivation"),
    ("new-parent", "New parent", "Isolated or struggling after having a baby"),
    ("mental-health-crisis", "After a mental-health crisis", "Recovering after a crisis"),
    ("long-term-condition", "Living with a long-term condition", "Diabetes, COPD, pain and others"),
    ("physical-activity", "Physical activity", "Wants to move more"),
    ("money-debt", "Money or debt", "Benefits, bills, debt"),
    ("housing", "Housing", "Housing problems or at risk of losing their home"),
    ("carer", "Carer support", "Looks after someone else"),
    ("bereavement", "Bereavement", "Lost someone close"),
    ("other", "Other", "Say more in the context"),
]

DISCHARGE_REASONS = [
    ("goals-met", "Goals met", None),
    ("declined", "Person declined social prescribing", "social-prescribing-declined"),
    ("lost-contact", "Lost contact", None),
    ("moved-away", "Moved away", None),
    ("needs-clinical-care", "Needs clinical care", None),
    ("other", "Other", None),
]


def load(apps, schema_editor):
    Need = apps.get_model("referrals", "Need")
    DischargeReason = apps.get_model("referrals", "DischargeReason")
    Concept = apps.get_model("core", "Concept")
    for position, (code, label, hint) in enumerate(NEEDS):
        Need.objects.update_or_create(
            code=code, defaults={"label": label, "hint": hint, "position": position}
        )
    for position, (code, label, concept_key) in enumerate(DISCHARGE_REASONS):
        DischargeReason.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "position": position,
                "concept": Concept.objects.get(key=concept_key) if concept_key else None,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("core", "0002_snomed_concepts")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
