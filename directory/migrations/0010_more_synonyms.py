"""Residents' words for the needs they name most (dementia, caring, grief, money, housing,
health conditions, particular groups), in the words providers use in their listings. Only
phrases not there yet are added: an editor's own wording of a phrase is kept."""

from django.db import migrations

# (phrase, words it also means, needs it is about)
SYNONYMS = [
    ("dementia", "dementia memory alzheimers", []),
    ("alzheimers", "dementia memory", []),
    ("memory loss", "dementia memory", []),
    ("memory problems", "dementia memory", []),
    ("forgetful", "dementia memory", []),
    ("carer", "carers respite break sitting", ["carer"]),
    ("carers", "carer respite break sitting", ["carer"]),
    ("caring", "carers respite break", ["carer"]),
    ("look after my", "carers respite break", ["carer"]),
    ("looking after my", "carers respite break", ["carer"]),
    ("respite", "carers break sitting", ["carer"]),
    ("bereaved", "bereavement loss grief", ["bereavement"]),
    ("bereavement", "loss grief", ["bereavement"]),
    ("grieving", "bereavement loss grief", ["bereavement"]),
    ("widow", "bereavement widows widowers partner", ["bereavement"]),
    ("widower", "bereavement widows widowers partner", ["bereavement"]),
    ("passed away", "bereavement loss", ["bereavement"]),
    ("died", "bereavement loss", ["bereavement"]),
    ("money", "debt benefits advice", ["money-debt"]),
    ("debt", "money benefits advice", ["money-debt"]),
    ("debts", "debt money benefits advice", ["money-debt"]),
    ("benefits", "money advice entitled", ["money-debt"]),
    ("universal credit", "benefits money advice", ["money-debt"]),
    ("pension credit", "benefits money advice", ["money-debt"]),
    ("council tax", "debt money advice bills", ["money-debt"]),
    ("bailiffs", "debt money advice", ["money-debt"]),
    ("food bank", "food pantry fridge voucher", ["money-debt"]),
    ("hungry", "food meal pantry", ["money-debt"]),
    ("energy bills", "energy warm bills advice", ["money-debt"]),
    ("cold home", "energy warm damp insulation", ["housing"]),
    ("damp", "housing disrepair landlord", ["housing"]),
    ("landlord", "housing tenancy advice", ["housing"]),
    ("eviction", "housing tenancy homelessness", ["housing"]),
    ("homeless", "housing homelessness", ["housing"]),
    ("anxious", "anxiety relaxation calm", ["anxiety"]),
    ("anxiety", "relaxation calm mindfulness", ["anxiety"]),
    ("stress", "relaxation calm mindfulness", ["anxiety"]),
    ("low mood", "wellbeing talking peer support", ["low-mood"]),
    ("depression", "low mood wellbeing peer support", ["low-mood"]),
    ("sad", "low mood wellbeing", ["low-mood"]),
    ("loneliness", "befriending social friendship company", ["loneliness"]),
    ("on my own", "befriending social company", ["loneliness"]),
    ("alone", "befriending social company", ["loneliness"]),
    ("make friends", "social friendship club", ["loneliness"]),
    ("meet people", "social friendship club group", ["loneliness"]),
    ("singing", "choir sing songs", []),
    ("choir", "singing sing songs", []),
    ("keep fit", "exercise fitness activity walking", ["physical-activity"]),
    ("lose weight", "weight healthy eating exercise", ["physical-activity"]),
    ("swimming", "swim pool aqua", ["physical-activity"]),
    ("falls", "falls strength balance", ["long-term-condition"]),
    ("copd", "lung breathing breathe breathlessness", ["long-term-condition"]),
    ("diabetes", "diabetes", ["long-term-condition"]),
    ("chronic pain", "pain fibromyalgia", ["long-term-condition"]),
    ("parkinsons", "parkinson", ["long-term-condition"]),
    ("heart attack", "heart cardiac", ["long-term-condition"]),
    ("pregnant", "bumps babies pregnancy perinatal", ["new-parent"]),
    ("postnatal depression", "perinatal mums peer support", ["new-parent", "low-mood"]),
    ("toddler", "stay play parents", ["new-parent"]),
    ("dad", "dads fathers", ["new-parent"]),
    ("single mum", "single parents", ["new-parent"]),
    ("crisis", "crisis safe haven sanctuary", ["mental-health-crisis"]),
    ("suicidal", "crisis safe haven", ["mental-health-crisis"]),
    ("mental health", "wellbeing recovery peer", []),
    ("drinking", "alcohol recovery", []),
    ("alcohol", "recovery drinking", []),
    ("gambling", "gambling debts", ["money-debt"]),
    ("veteran", "veterans armed forces served", []),
    ("ex forces", "veterans armed forces served", []),
    ("learning disability", "learning disabilities", []),
    ("autism", "autistic", []),
    ("deaf", "hearing loss", []),
    ("hard of hearing", "hearing loss", []),
    ("blind", "sight loss partially sighted", []),
    ("refugee", "refugees asylum", []),
    ("asylum", "refugees asylum seeking", []),
    ("english lessons", "english conversation", []),
    ("lgbt", "lgbtq gay lesbian bisexual trans", []),
    ("domestic abuse", "abuse womens aid", []),
    ("volunteer", "volunteering", []),
    ("job", "employment cv work", ["money-debt"]),
    ("unemployed", "job employment work cv", ["money-debt"]),
    ("woodwork", "shed woodwork making", []),
    ("gardening", "garden growing allotment", []),
    ("crafts", "knitting sewing art craft", []),
    ("computer", "digital online tablets", []),
    ("quit smoking", "stop smoking", ["long-term-condition"]),
]


def add(apps, schema_editor):
    Need = apps.get_model("referrals", "Need")
    Synonym = apps.get_model("directory", "Synonym")
    for phrase, expands_to, needs in SYNONYMS:
        synonym, created = Synonym.objects.get_or_create(
            phrase=phrase, defaults={"expands_to": expands_to}
        )
        if created:
            synonym.needs.set(Need.objects.filter(code__in=needs))


def remove(apps, schema_editor):
    Synonym = apps.get_model("directory", "Synonym")
    for phrase, expands_to, _ in SYNONYMS:
        Synonym.objects.filter(phrase=phrase, expands_to=expands_to).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_taxonomy_area_and_mapping"),
        ("referrals", "0002_needs_and_discharge_reasons"),
    ]
    operations = [migrations.RunPython(add, remove)]
