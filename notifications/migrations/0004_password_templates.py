"""Emails about a member of staff's own password: the one-time reset link, and the notice
that it was changed. As in 0002, the ids are placeholders the fake Notify knows; in
production create each template in GOV.UK Notify with these words and set its real id."""

import uuid

from django.db import migrations

NOT_YOU = (
    "If you did not do this, tell your administrator straight away: someone else may know "
    "your password."
)
TEMPLATES = [
    (
        "password_reset",
        "Reset your linkwork password",
        "Hello ((name)),\n\nSomeone asked to reset the password for your linkwork account. "
        "To choose a new password, use this link:\n\n((link))\n\nThe link works once, for 1 "
        "hour. If you did not ask, you can ignore this email: your password has not changed.",
        "To a member of staff: a link to reset their password",
    ),
    (
        "password_changed",
        "Your linkwork password was changed",
        "Hello ((name)),\n\nThe password for your linkwork account was changed, and you have "
        "been signed out everywhere else.\n\n" + NOT_YOU,
        "To a member of staff: their password was changed",
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
    dependencies = [("notifications", "0003_message_expiry")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
