from django.db import migrations

SYNONYMS = [
    ("lonely", "befriending social friendship company cafe", ["loneliness"]),
    ("isolated", "befriending social company", ["loneliness"]),
    ("no friends", "befriending social friendship", ["loneliness"]),
    ("new mum", "postnatal parent baby toddler", ["new-parent"]),
    ("new mom", "postnatal parent baby toddler", ["new-parent"]),
    ("new dad", "postnatal parent baby toddler", ["new-parent"]),
    ("baby", "postnatal parent toddler", ["new-parent"]),
    ("can t sleep", "relaxation mindfulness calm sleep", ["anxiety"]),
    ("cant sleep", "relaxation mindfulness calm sleep", ["anxiety"]),
    ("stressed", "relaxation mindfulness calm", ["anxiety"]),
    ("worried", "relaxation calm", ["anxiety"]),
    ("panic", "relaxation calm breathing", ["anxiety"]),
    ("money worries", "debt benefits advice money", ["money-debt"]),
    ("skint", "debt benefits advice money", ["money-debt"]),
    ("bills", "debt benefits advice money", ["money-debt"]),
    ("feeling down", "wellbeing peer support", ["low-mood"]),
    ("depressed", "wellbeing peer support", ["low-mood"]),
    ("grief", "bereavement loss", ["bereavement"]),
    ("lost my", "bereavement loss", ["bereavement"]),
    ("caring for", "carers respite", ["carer"]),
    ("get fit", "walking exercise activity", ["physical-activity"]),
    ("exercise", "walking activity fitness", ["physical-activity"]),
    ("sing", "choir singing music", []),
]


def load(apps, schema_editor):
    Need = apps.get_model("referrals", "Need")
    Taxonomy = apps.get_model("directory", "Taxonomy")
    TaxonomyTerm = apps.get_model("directory", "TaxonomyTerm")
    Synonym = apps.get_model("directory", "Synonym")
    taxonomy, _ = Taxonomy.objects.get_or_create(
        name="linkwork-needs",
        defaults={
            "description": "Reasons for social prescribing referral, as used by linkwork",
            "version": "1",
        },
    )
    for need in Need.objects.all():
        TaxonomyTerm.objects.update_or_create(
            taxonomy=taxonomy,
            code=need.code,
            defaults={"name": need.label, "description": need.hint or need.label, "need": need},
        )
    for phrase, expands_to, needs in SYNONYMS:
        synonym, _ = Synonym.objects.update_or_create(
            phrase=phrase, defaults={"expands_to": expands_to}
        )
        synonym.needs.set(Need.objects.filter(code__in=needs))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_fulltext_index"),
        ("referrals", "0002_needs_and_discharge_reasons"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
