"""The default outcome schedule (every service, until it sets its own) and the messages
outcome measurement sends (loaded by notifications/template_seeding.py)."""

from django.db import migrations

from notifications.template_seeding import seed_templates

# (timepoint, when, months, instruments, extra instruments by need)
SCHEDULE = [
    ("baseline", "first_contact", None),
    ("month-3", "months_after", 3),
    ("month-6", "months_after", 6),
    ("discharge", "discharge", None),
]
CORE = "ons4,swemwbs,ucla3,ons_loneliness"
BY_NEED = {"anxiety": ["gad7"], "low-mood": ["phq9"], "mental-health-crisis": ["phq9", "gad7"]}

NOT_DETAILS = "You will need to sign in. This email does not contain anyone's details."
TEMPLATES = [
    (
        "questionnaire_link",
        "sms",
        "",
        "Hello ((name)), ((service)) would like to know how you are. It takes about 5 "
        "minutes: ((link)) You will need your date of birth. The link works until ((expires)).",
        "To the person: questionnaires to answer",
    ),
    (
        "questionnaire_link",
        "email",
        "How are you? A few questions from ((service))",
        "Hello ((name)),\n\n((service)) would like to know how you are. It takes about 5 "
        "minutes:\n\n((link))\n\nYou will need your date of birth. The link works until "
        "((expires)).",
        "To the person: questionnaires to answer",
    ),
    (
        "questionnaire_reminder",
        "sms",
        "",
        "Hello ((name)), a reminder from ((service)): we would still like to know how you are. "
        "((link)) The link works until ((expires)).",
        "To the person: a reminder to answer",
    ),
    (
        "questionnaire_reminder",
        "email",
        "A reminder from ((service))",
        "Hello ((name)),\n\nWe would still like to know how you are:\n\n((link))\n\nThe link "
        "works until ((expires)).",
        "To the person: a reminder to answer",
    ),
    (
        "safety_alert",
        "email",
        "Safety alert: someone on your caseload needs you now",
        "Hello ((name)),\n\nAn answer to a questionnaire needs your attention now. Please "
        "look at it and record what you have done:\n\n((link))\n\n" + NOT_DETAILS,
        "To a link worker and team leads: a safety answer",
    ),
    (
        "safety_alert_escalation",
        "email",
        "Safety alert not yet dealt with",
        "Hello ((name)),\n\nA safety alert raised an hour ago has not been dealt with yet. "
        "Please make sure someone acts on it now:\n\n((link))\n\n" + NOT_DETAILS,
        "To team leads: a safety alert not dealt with in an hour",
    ),
    (
        "questionnaires_need_you",
        "email",
        "Questionnaires to complete with someone",
        "Hello ((name)),\n\nSomeone's questionnaires need you: ((why)). Please complete them "
        "together, by phone or in person:\n\n((link))\n\n" + NOT_DETAILS,
        "To a link worker: questionnaires not returned",
    ),
    (
        "message_back_ready",
        "email",
        "Social prescribing: a message about someone you referred",
        "Hello ((name)),\n\n((service)) has written to you about someone you referred "
        "(((reason))). Read it, or download it as a PDF or FHIR document:\n\n((link))\n\n"
        + NOT_DETAILS,
        "To the referrer: a message back is ready",
    ),
]


def load(apps, schema_editor):
    OutcomeSchedule = apps.get_model("outcomes", "OutcomeSchedule")
    if not OutcomeSchedule.objects.filter(service__isnull=True).exists():
        for timepoint, when, months in SCHEDULE:
            OutcomeSchedule.objects.create(
                timepoint=timepoint, when=when, months=months, instruments=CORE, if_needs=BY_NEED
            )
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
        ("notifications", "0002_message_templates"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
