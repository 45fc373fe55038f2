"""The email telling a member of staff that an administrator reset their second factor
(ADR 0008). As in 0002, the id is a placeholder the fake Notify knows; in production create
the template in GOV.UK Notify with these words and set its real id."""

from django.db import migrations

from notifications.template_seeding import email, seed_templates

TEMPLATES = [
    email(
        "second_factor_reset",
        "Your linkwork second factor has been reset",
        "Hello ((name)),\n\n((by)) has reset the second factor you use to sign in to "
        "linkwork (your authenticator app and recovery codes). The next time you sign in, "
        "you will set up your authenticator app again:\n\n((link))\n\nIf you did not ask "
        "for this, tell your administrator or IT service desk straight away.",
        "To a member of staff: an administrator reset their second factor",
    ),
]


def load(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_password_templates")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
