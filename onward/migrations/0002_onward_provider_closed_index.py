"""An index of each provider's closed activity referrals, newest first: the provider's
closed tab reads a page of it however many have closed.

Built CONCURRENTLY on PostgreSQL (docs/migrations.md: onward referrals are a large table,
and a plain CREATE INDEX makes every write wait); a plain index on SQLite (tests, the demo)."""

from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("onward", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="onwardreferral",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)),
                fields=["provider", "-closed_at", "-id"],
                name="onward_provider_closed",
            ),
        ),
    ]
