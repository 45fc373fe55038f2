"""The email telling an area's service administrators that accounts unused for 80 days will
be switched off in 10 days (accounts.actions.review_unused_accounts). As in 0002, the id is
a placeholder the fake Notify knows; in production create the template in GOV.UK Notify
with these words and set its real id."""

from django.db import migrations

from notifications.template_seeding import email, seed_templates

TEMPLATES = [
    email(
        "unused_accounts_warning",
        "((count)) linkwork accounts in ((area)) will be switched off on ((date))",
        "Hello ((name)),\n\nThese linkwork accounts in ((area)) have not been used for 80 "
        "days. They will be switched off on ((date)) unless the person signs in before "
        "then:\n\n((accounts))\n\nIf someone has left, switch their account off now. If "
        "someone still needs theirs, ask them to sign in. A switched-off account can be "
        "switched back on from the person's page.\n\nSee every account in the access "
        "review:\n\n((link))",
        "To an area's service administrators: accounts unused for 80 days",
    ),
]


def load(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_staff_invitation_template")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
