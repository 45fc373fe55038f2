"""The email telling an area's service administrators that accounts unused for 80 days will
be switched off in 10 days (accounts.actions.review_unused_accounts). As in 0002, the id is
a placeholder the fake Notify knows; in production create the template in GOV.UK Notify
with these words and set its real id."""

import uuid

from django.db import migrations

TEMPLATES = [
    (
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


def template_id(code, channel):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://linkwork.test/notify/{code}/{channel}")


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code, subject, body, description in TEMPLATES:
        MessageTemplate.objects.update_or_create(
            code=code,
            channel="email",
            defaults={
                "notify_template_id": template_id(code, "email"),
                "subject": subject,
                "body": body,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_staff_invitation_template")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
