"""The migration check (scripts/check_migrations.py, docs/migrations.md) passes on this
project's migrations newer than its baseline, and fails a migration that would lock a large
table or break the code still running during a deploy."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_migrations.py"
spec = importlib.util.spec_from_file_location("check_migrations", SCRIPT)
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def batched(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    for referral in Referral.objects.iterator(chunk_size=1000):
        referral.save(update_fields=["status"])


def all_at_once(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    for referral in Referral.objects.all():
        referral.save()


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


def findings(loader, *operations, lock_review=""):
    """The check's findings for a new referrals migration made of these operations."""
    migration = migrations.Migration("9999_new", "referrals")
    migration.operations = list(operations)
    if lock_review:
        migration.lock_review = lock_review
    state = loader.project_state()  # after every migration on disk
    return check.check_migration(migration, state.clone())


def codes(found):
    return sorted(f.code for f in found if not f.waived)


def test_every_migration_newer_than_the_baseline_passes():
    assert [str(f) for f in check.check_project() if not f.waived] == []


def test_the_script_run_by_ci_passes_on_this_project():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_baseline_names_only_migrations_that_exist(loader):
    ours = {f"{app}.{name}" for app, name in check.project_migrations(loader)}
    assert check.baseline() - ours == set()


def test_a_migration_that_would_lock_a_large_table_fails(loader):
    found = findings(
        loader,
        migrations.AddField("referral", "priority", models.IntegerField(default=0)),
        migrations.AddIndex("referral", models.Index(fields=["priority"], name="ref_priority")),
        migrations.AlterField("person", "postcode", models.TextField()),
        migrations.AlterField("referral", "redirected_to", models.CharField(max_length=10)),
        migrations.AddConstraint(
            "referralevent",
            models.CheckConstraint(condition=models.Q(summary__gt=""), name="event_summary"),
        ),
        migrations.AddConstraint(
            "person", models.UniqueConstraint(fields=["postcode"], name="person_postcode")
        ),
        migrations.RunPython(all_at_once),
        migrations.RenameField("person", "phone", "telephone"),
    )
    assert codes(found) == [
        "CHECK_VALIDATED_UNDER_LOCK",
        "INDEX_NOT_CONCURRENT",
        "INDEX_NOT_CONCURRENT",
        "NOT_NULL_WITHOUT_DB_DEFAULT",
        "RENAME",
        "RUNPYTHON_NOT_BATCHED",
        "TYPE_CHANGE",
        "TYPE_CHANGE",
    ]
    assert all(f.migration == "referrals.9999_new" for f in found)


def test_making_a_large_tables_column_required_fails(loader):
    found = findings(
        loader,
        migrations.AlterField(
            "referral", "redirected_to", models.CharField(max_length=200, null=True)
        ),
        migrations.AlterField("referral", "redirected_to", models.CharField(max_length=200)),
    )
    assert "SET_NOT_NULL" in codes(found)


def test_the_expand_steps_pass(loader):
    found = findings(
        loader,
        migrations.AddField("referral", "priority", models.IntegerField(db_default=0)),
        migrations.AddField("referral", "note", models.TextField(null=True)),
        AddIndexConcurrently("referral", models.Index(fields=["priority"], name="ref_priority")),
        migrations.AlterField("referral", "redirected_to", models.CharField(max_length=400)),
        migrations.RunPython(batched),
        migrations.CreateModel(
            "Flag",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("word", models.CharField(max_length=9)),
            ],
        ),
        migrations.AddIndex("flag", models.Index(fields=["word"], name="flag_word")),
    )
    assert codes(found) == []


def test_a_reviewed_migration_is_waived_but_still_reported(loader):
    found = findings(
        loader,
        migrations.AddIndex("referral", models.Index(fields=["status"], name="ref_status")),
        lock_review="Built out of hours on 3 March; 40k rows take 0.2 s.",
    )
    assert codes(found) == [] and found[0].waived.startswith("Built out of hours")


def test_the_script_fails_when_a_migration_fails(monkeypatch, capsys):
    bad = check.Finding("referrals.9999_new", "Create index", "INDEX_NOT_CONCURRENT", "locks")
    monkeypatch.setattr(check, "check_project", lambda: [bad])
    assert check.main() == 1
    assert "INDEX_NOT_CONCURRENT" in capsys.readouterr().out
