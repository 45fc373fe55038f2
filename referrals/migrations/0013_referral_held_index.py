"""An index of the cases link workers hold now (status allocated or active), in caseload
order: the team's caseload counts read it instead of every referral ever allocated.

Built CONCURRENTLY on PostgreSQL (docs/migrations.md: referrals is a large table, and a
plain CREATE INDEX makes every write wait); a plain index on SQLite (tests, the demo)."""

from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("referrals", "0012_referral_reference"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("status__in", ["allocated", "active"])),
                fields=["allocated_to", "next_action_due", "received_at"],
                name="referral_held",
            ),
        ),
    ]
