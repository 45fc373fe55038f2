"""The email inviting a member of staff to linkwork (accounts/invitations.py). As in 0002,
the id is a placeholder the fake Notify knows; in production create the template in GOV.UK
Notify with these words and set its real id."""

import uuid

from django.db import migrations

TEMPLATES = [
    (
        "staff_invitation",
        "You have been invited to linkwork",
        "Hello ((name)),\n\n((by)) has invited you to use linkwork as a ((role)) for "
        "((organisation)).\n\nTo accept, choose a password with this link, then set up an "
        "authenticator app on your phone (you will need it every time you sign in):\n\n"
        "((link))\n\nThe link works once, until ((expires)). If it has expired, ask ((by)) "
        "to send a new one. If you were not expecting this email, you can ignore it.",
        "To a member of staff: an invitation to linkwork with a one-time set-up link",
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
    dependencies = [("notifications", "0005_second_factor_reset_template")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
