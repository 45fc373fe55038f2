"""An index of the NHS numbers that referrals were made with when someone else had already
referred the person: the duplicate check on every new referral (a GP's form, the FHIR API,
a CSV) finds them by it instead of reading the service's open referrals.

Built CONCURRENTLY on PostgreSQL (docs/migrations.md); a plain index on SQLite."""

from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("referrals", "0013_referral_held_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("referred_nhs_number", ""), _negated=True),
                fields=["referred_nhs_number"],
                name="referral_referred_nhs_number",
            ),
        ),
    ]
