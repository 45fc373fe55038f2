"""PostgreSQL prepares the statements a connection runs again and again (docs/operations.md,
"Database connections"); the setting turns it off for a pooler in transaction mode."""

import pytest
from django.db import connection

from config import settings as linkwork_settings
from referrals.models import Person


def test_postgresql_urls_bind_on_the_server_and_prepare_early(monkeypatch):
    monkeypatch.setattr(linkwork_settings, "DATABASE_PREPARED_STATEMENTS", True)
    monkeypatch.setattr(linkwork_settings, "DATABASE_PREPARE_THRESHOLD", 2)
    options = linkwork_settings._database("postgres://linkwork@db.example:5432/linkwork")["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_switched_off_for_a_pooler_in_transaction_mode(monkeypatch):
    monkeypatch.setattr(linkwork_settings, "DATABASE_PREPARED_STATEMENTS", False)
    config = linkwork_settings._database("postgres://linkwork@db.example:5432/linkwork")
    assert "server_side_binding" not in config.get("OPTIONS", {})
    assert "prepare_threshold" not in config.get("OPTIONS", {})


def test_sqlite_is_not_given_postgresql_options(monkeypatch):
    monkeypatch.setattr(linkwork_settings, "DATABASE_PREPARED_STATEMENTS", True)
    options = linkwork_settings._database("sqlite:////tmp/linkwork-options.sqlite3")["OPTIONS"]
    assert "server_side_binding" not in options
    assert options["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_a_statement_run_again_is_prepared_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for family_name in ("Ashworth", "Brennan", "Chowdhury"):
        assert not Person.objects.filter(family_name=family_name).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%referrals_person%family_name%"],
        )
        assert cursor.fetchone()[0] == 1
