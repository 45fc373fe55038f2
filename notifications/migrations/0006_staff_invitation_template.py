"""The email inviting a member of staff to linkwork (accounts/invitations.py). As in 0002,
the id is a placeholder the fake Notify knows; in production create the template in GOV.UK
Notify with these words and set its real id."""

from django.db import migrations

from notifications.template_seeding import email, seed_templates

TEMPLATES = [
    email(
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


def load(apps, schema_editor):
    seed_templates(apps, TEMPLATES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_second_factor_reset_template")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
