"""Emails about a member of staff's own password: the one-time reset link, and the notice
that it was changed. As in 0002, the ids are placeholders the fake Notify knows; in
production create each template in GOV.UK Notify with these words and set its real id."""

from django.db import migrations

from notifications.template_seeding import email, seed_templates

NOT_YOU = (
    "If you did not do this, tell your administrator straight away: someone else may know "
    "your password."
)
TEMPLATES = [
    email(
        "password_reset",
        "Reset your linkwork password",
        "Hello ((name)),\n\nSomeone asked to reset the password for your linkwork account. "
        "To choose a new password, use this link:\n\n((link))\n\nThe link works once, for 1 "
        "hour. If you did not ask, you can ignore this email: your password has not changed.",
        "To a member of staff: a link to reset their password",
    ),
    email(
        "password_changed",
        "Your linkwork password was changed",
        "Hello ((name)),\n\nThe password for your linkwork account was changed, and you have "
        "been signed out everywhere else.\n\n" + NOT_YOU,
        "To a member of staff: their password was changed",
    ),
]


def load(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_message_expiry")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
