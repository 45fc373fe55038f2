"""Sign-in tries record the client's address, the trusted browser and their outcome (instead
of succeeded yes/no), and every stored email address is put in the one normal form that
sign-in looks up and counts by (accounts/identifiers.py)."""

import unicodedata

from django.db import migrations, models


def normalise_email(value):
    # A copy of accounts.identifiers.normalise_email as it was when this migration was written.
    text = unicodedata.normalize("NFKC", value or "")
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def outcome_from_succeeded(apps, schema_editor):
    SignInAttempt = apps.get_model("accounts", "SignInAttempt")
    SignInAttempt.objects.filter(succeeded=True).update(outcome="succeeded")
    SignInAttempt.objects.filter(succeeded=False).update(outcome="failed")


def succeeded_from_outcome(apps, schema_editor):
    SignInAttempt = apps.get_model("accounts", "SignInAttempt")
    SignInAttempt.objects.update(succeeded=False)
    SignInAttempt.objects.filter(outcome="succeeded").update(succeeded=True)


def normalise_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    normal = {}
    for pk, email in User.objects.values_list("pk", "email"):
        normal.setdefault(normalise_email(email), []).append((pk, email))
    clashes = {key: rows for key, rows in normal.items() if len(rows) > 1}
    if clashes:
        listed = "; ".join(
            " and ".join(repr(email) for _, email in rows) for rows in clashes.values()
        )
        raise RuntimeError(
            "These accounts' email addresses are the same once normalised, and sign-in could "
            f"not tell them apart: {listed}. Change or switch off all but one, then migrate."
        )
    for key, [(pk, email)] in normal.items():
        if key != email:
            User.objects.filter(pk=pk).update(email=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_listing_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="signinattempt",
            name="address",
            field=models.CharField(blank=True, max_length=45),
        ),
        migrations.AddField(
            model_name="signinattempt",
            name="device",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="signinattempt",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("pending", "Being checked"),
                    ("failed", "Wrong email address or password"),
                    ("succeeded", "Signed in"),
                    ("refused", "Refused: too many failures"),
                ],
                default="failed",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(outcome_from_succeeded, succeeded_from_outcome),
        migrations.RemoveField(
            model_name="signinattempt",
            name="succeeded",
        ),
        migrations.AddIndex(
            model_name="signinattempt",
            index=models.Index(fields=["address", "at"], name="signin_address_at"),
        ),
        migrations.AddIndex(
            model_name="signinattempt",
            index=models.Index(fields=["at"], name="signin_at"),
        ),
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("referrer", "Referrer"),
                    ("team_lead", "Team lead"),
                    ("link_worker", "Link worker"),
                    ("commissioner", "Commissioner"),
                    ("provider", "Community provider"),
                    ("directory_editor", "Directory editor"),
                    ("national", "National analyst"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop),
    ]
