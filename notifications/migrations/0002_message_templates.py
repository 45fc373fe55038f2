"""linkwork's Notify templates. The ids are placeholders that the fake Notify knows; in
production, create each template in GOV.UK Notify with the same words and set its real id
here (`MessageTemplate.notify_template_id`). Loaded by notifications/template_seeding.py."""

from django.db import migrations

from notifications.template_seeding import email, seed_templates, sms

SIGN_IN = "You will need to sign in. This email does not contain anyone's details."
SESSION_REMINDER = (
    "Hello ((name)), a reminder that you are starting ((activity)) on ((when)) at "
    "((where)). If you cannot go, please call them on ((phone)). From ((service))"
)
HOW_DID_IT_GO = (
    "Hello ((name)), how did ((activity)) go? ((worker)) from ((service)) will be in touch "
    "to hear how it went."
)
TEMPLATES = [
    # To staff: emails.
    email(
        "provider_new_referral",
        "New referral to ((activity))",
        "Hello ((name)),\n\n((service)) has referred someone to ((activity)). Please accept "
        "them, put them on the waiting list, or say why you cannot take them, by "
        "((respond_by)):\n\n((link))\n\n" + SIGN_IN,
        "To a provider: a new referral",
    ),
    email(
        "provider_reminder",
        "Reminder: a referral to ((activity)) is waiting for you",
        "Hello ((name)),\n\nA referral to ((activity)) is still waiting for an answer. Please "
        "answer it by ((respond_by)):\n\n((link))\n\n" + SIGN_IN,
        "To a provider: reminder to answer",
    ),
    email(
        "provider_cancelled",
        "Referral to ((activity)) cancelled",
        "Hello ((name)),\n\nThe link worker has cancelled a referral to ((activity)). You do "
        "not need to do anything.\n\n((link))\n\n" + SIGN_IN,
        "To a provider: a referral was cancelled",
    ),
    email(
        "onward_update",
        "Update on a referral to ((activity))",
        "Hello ((name)),\n\nNews from ((provider)) about a referral to ((activity)): "
        "((what)).\n\n((link))\n\n" + SIGN_IN,
        "To a link worker: the provider answered or recorded attendance",
    ),
    email(
        "onward_note",
        "New message about a referral to ((activity))",
        "Hello ((name)),\n\n((from)) has sent you a message about a referral to "
        "((activity)). Read it and reply here:\n\n((link))\n\n" + SIGN_IN,
        "To a provider or link worker: a message about a referral",
    ),
    email(
        "onward_escalation",
        "Not answered: a referral to ((activity))",
        "Hello ((name)),\n\n((provider)) has not answered a referral to ((activity)) that was "
        "due by ((respond_by)). Please follow it up:\n\n((link))\n\n" + SIGN_IN,
        "To a team lead: a provider has not answered in time",
    ),
    email(
        "first_contact_reminder",
        "First contact due by ((due))",
        "Hello ((name)),\n\nSomeone referred on ((received)) has not been reached yet. First "
        "contact is due by ((due)):\n\n((link))\n\n" + SIGN_IN,
        "To a link worker: first contact due soon",
    ),
    email(
        "first_contact_escalation",
        "First contact overdue",
        "Hello ((name)),\n\nSomeone referred on ((received)) had not been reached by ((due)) "
        "(link worker: ((worker))). Please follow it up:\n\n((link))\n\n" + SIGN_IN,
        "To a team lead: first contact is overdue",
    ),
    email(
        "listing_check",
        "Please check your listings on linkwork",
        "Hello ((name)),\n\n((count)) of your listings have not been checked for six months. "
        "People and link workers rely on them: please check each one is still right (one "
        "click if nothing has changed). Listings not checked for a year are hidden from "
        "search.\n\n((link))",
        "To a provider: listings due for checking",
    ),
    # To the person: a text, and the same words by email.
    sms(
        "session_reminder",
        SESSION_REMINDER,
        "To the person: the day before their first session",
    ),
    email(
        "session_reminder",
        "Your first ((activity)) session",
        SESSION_REMINDER,
        "To the person: the day before their first session",
    ),
    sms(
        "how_did_it_go",
        HOW_DID_IT_GO,
        "To the person: the day after their first session",
    ),
    email(
        "how_did_it_go",
        "How did ((activity)) go?",
        HOW_DID_IT_GO,
        "To the person: the day after their first session",
    ),
]


def load(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
