"""Fail on a migration that would lock a large table needlessly on PostgreSQL, or break the
code still running while it is deployed (docs/migrations.md: expand, then contract).

Every migration of linkwork's own apps newer than the baseline (`migrations_baseline.txt`:
those that existed when this check began, grandfathered by name) is read operation by
operation against the state before it, and these are refused:

- NOT_NULL_WITHOUT_DB_DEFAULT: AddField of a required column to an existing table without
  `db_default`. Django drops its default once the column is filled, so the old code, still
  serving while the new is rolled out, fails on every INSERT.
- TYPE_CHANGE: AlterField that changes a large table's column type (a rewrite under an
  ACCESS EXCLUSIVE lock), except lengthening a varchar, which PostgreSQL does in place.
- SET_NOT_NULL: AlterField making a large table's column required (a full scan under the lock).
- INDEX_NOT_CONCURRENT: an index (AddIndex, a unique or indexed field, a UniqueConstraint)
  built on a large table without CONCURRENTLY: writes wait until it is built.
- CHECK_VALIDATED_UNDER_LOCK: AddConstraint of a CheckConstraint on a large table (every row
  is checked while writes wait; add it NOT VALID, then VALIDATE CONSTRAINT).
- RUNPYTHON_NOT_BATCHED: RunPython that touches a large table and shows no batching.
- RUNSQL_ON_LARGE_TABLE: RunSQL that alters or updates a large table (without CONCURRENTLY).
- RENAME: RenameField, RenameModel, AlterModelTable of an existing table: the old code's
  queries fail the moment it runs.

A finding a person has judged safe (a table known to be small, a one-off out of hours) is
waived by saying why on the migration: `lock_review = "…"`. Run with
`.venv/bin/python scripts/check_migrations.py`; the test suite runs it
(tests/test_migration_check.py)."""

import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).with_name("migrations_baseline.txt")

# Tables that grow with use: a referral, an event, an audit row, a message, a listing, a
# postcode. Anything that locks one of these locks England's case work while it runs.
LARGE_TABLES = {
    "accounts.SignInAttempt",
    "casework.ActivitySuggestion",
    "casework.Availability",
    "casework.Contact",
    "casework.Goal",
    "casework.WhatMatters",
    "core.AuditEvent",
    "core.AuditEventPerson",
    "directory.ListingChange",
    "directory.Location",
    "directory.SearchDocument",
    "directory.SearchEntry",
    "directory.WordStat",
    "directory.Service",
    "directory.ServiceAtLocation",
    "fhir.Submission",
    "geography.Postcode",
    "notifications.Message",
    "onward.Attendance",
    "onward.OnwardEvent",
    "onward.OnwardReferral",
    "onward.Signpost",
    "outcomes.HealthcareUse",
    "outcomes.MessageBack",
    "outcomes.QuestionnaireLink",
    "outcomes.QuestionnaireRequest",
    "outcomes.Response",
    "outcomes.SafetyAlert",
    "referrals.Person",
    "referrals.Referral",
    "referrals.ReferralEvent",
    "reporting.AreaMonthCell",
    "reporting.FactTag",
    "reporting.OnwardFact",
    "reporting.OutcomeFact",
    "reporting.ReferralFact",
}
# Signs in a RunPython's source that it walks the table in pieces.
BATCHING = ("iterator(", "batch_size", "in_batches", "BATCH", "[:", "pk__gt")


@dataclass(frozen=True)
class Finding:
    migration: str
    operation: str
    code: str
    problem: str
    waived: str = ""

    def __str__(self):
        waived = f" (waived: {self.waived})" if self.waived else ""
        return f"{self.migration}: {self.operation}: {self.code}: {self.problem}{waived}"


def _postgresql():
    """PostgreSQL's column types, without connecting to one."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    return DatabaseWrapper({"NAME": "check", "ENGINE": "django.db.backends.postgresql"}, "check")


def check_migration(migration, state) -> list[Finding]:
    """Findings for one migration, given the project state before it."""
    from django.contrib.postgres.operations import AddIndexConcurrently
    from django.db import migrations, models
    from django.db.models import NOT_PROVIDED

    pg = _postgresql()
    label = f"{migration.app_label}.{migration.name}"
    waived = getattr(migration, "lock_review", "")
    created = set()
    found = []

    def model_label(name):
        return f"{migration.app_label}.{state.models[(migration.app_label, name.lower())].name}"

    def large(name):
        key = (migration.app_label, name.lower())
        return key in state.models and key not in created and model_label(name) in LARGE_TABLES

    def existing(name):
        key = (migration.app_label, name.lower())
        return key in state.models and key not in created

    def flag(operation, code, problem):
        found.append(Finding(label, operation.describe(), code, problem, waived))

    for operation in migration.operations:
        if isinstance(operation, migrations.CreateModel):
            created.add((migration.app_label, operation.name_lower))
        elif isinstance(operation, migrations.AddField) and existing(operation.model_name):
            field = operation.field
            column = not field.many_to_many
            if column and not field.null and field.db_default is NOT_PROVIDED:
                flag(
                    operation,
                    "NOT_NULL_WITHOUT_DB_DEFAULT",
                    "a required column with no db_default: the code still running inserts "
                    "rows without it and fails. Give it db_default= (or null=True) now, and "
                    "make it required in a later release.",
                )
            if large(operation.model_name) and (field.db_index or field.unique):
                flag(operation, "INDEX_NOT_CONCURRENT", _INDEX)
        elif isinstance(operation, migrations.AlterField) and large(operation.model_name):
            old = state.models[(migration.app_label, operation.model_name_lower)].fields[
                operation.name
            ]
            new = operation.field
            # A key's column type is its target's: keys are not retyped here.
            relation = old.is_relation or new.is_relation
            old_type, new_type = (None, None) if relation else (old.db_type(pg), new.db_type(pg))
            if old_type != new_type and not _varchar_lengthened(old_type, new_type):
                flag(
                    operation,
                    "TYPE_CHANGE",
                    f"{old_type} → {new_type} rewrites the whole table while every query on it "
                    "waits. Add a new column, fill it in batches, switch, drop the old.",
                )
            if old.null and not new.null:
                flag(
                    operation,
                    "SET_NOT_NULL",
                    "SET NOT NULL reads every row while writes wait. Add a CHECK (… IS NOT "
                    "NULL) NOT VALID, VALIDATE it, then SET NOT NULL (RunSQL).",
                )
            if (new.db_index and not old.db_index) or (new.unique and not old.unique):
                flag(operation, "INDEX_NOT_CONCURRENT", _INDEX)
        elif isinstance(operation, migrations.AddIndex) and large(operation.model_name):
            if not isinstance(operation, AddIndexConcurrently):
                flag(operation, "INDEX_NOT_CONCURRENT", _INDEX)
        elif isinstance(operation, migrations.AddConstraint) and large(operation.model_name):
            if isinstance(operation.constraint, models.UniqueConstraint):
                flag(operation, "INDEX_NOT_CONCURRENT", _INDEX)
            elif isinstance(operation.constraint, models.CheckConstraint):
                flag(
                    operation,
                    "CHECK_VALIDATED_UNDER_LOCK",
                    "every row is checked while writes wait. Add it NOT VALID, then VALIDATE "
                    "CONSTRAINT in a second step (RunSQL with state_operations).",
                )
        elif isinstance(
            operation, migrations.AlterUniqueTogether | migrations.AlterIndexTogether
        ) and large(operation.name):
            flag(operation, "INDEX_NOT_CONCURRENT", _INDEX)
        elif isinstance(operation, migrations.RenameField | migrations.RenameModel):
            name = getattr(operation, "model_name", None) or operation.old_name
            if existing(name):
                flag(operation, "RENAME", _RENAME)
        elif isinstance(operation, migrations.AlterModelTable) and existing(operation.name):
            flag(operation, "RENAME", _RENAME)
        elif isinstance(operation, migrations.RunPython):
            touched = _large_models_named(_source(operation.code), state)
            if touched and not any(mark in _source(operation.code) for mark in BATCHING):
                flag(
                    operation,
                    "RUNPYTHON_NOT_BATCHED",
                    f"touches {', '.join(sorted(touched))} with no sign of batching: walk "
                    "the rows by primary key a batch at a time (core.batches), never all at once.",
                )
        elif isinstance(operation, migrations.RunSQL):
            sql = " ".join(_statements(operation.sql)).upper()
            tables = {
                state.models[key].options.get("db_table") or f"{key[0]}_{key[1]}"
                for key in state.models
                if f"{key[0]}.{state.models[key].name}" in LARGE_TABLES
            }
            risky = ("ALTER TABLE" in sql or "UPDATE " in sql or "CREATE INDEX" in sql) and (
                "CONCURRENTLY" not in sql
            )
            if risky and any(table.upper() in sql for table in tables):
                flag(
                    operation,
                    "RUNSQL_ON_LARGE_TABLE",
                    "alters or rewrites a large table under a lock: check the lock it takes "
                    "and say why it is safe in lock_review.",
                )
        operation.state_forwards(migration.app_label, state)
    return found


_INDEX = (
    "builds an index on a large table while writes to it wait. Use "
    "django.contrib.postgres.operations.AddIndexConcurrently in a migration with "
    "atomic = False (a unique one: a unique index built concurrently, then the constraint "
    "USING INDEX)."
)
_RENAME = (
    "the code still running uses the old name and fails at once. Add the new, copy, move the "
    "code over, and drop the old in a later release."
)


def _varchar_lengthened(old: str | None, new: str | None) -> bool:
    def length(db_type):
        if db_type and db_type.startswith("varchar(") and db_type.endswith(")"):
            return int(db_type[8:-1])
        return None

    return length(old) is not None and length(new) is not None and length(new) >= length(old)


def _source(code) -> str:
    try:
        return inspect.getsource(code)
    except (OSError, TypeError):
        return ""


def _large_models_named(source: str, state) -> set[str]:
    """Large models a RunPython's source names (apps.get_model("app", "Model") or the class)."""
    named = set()
    for app_label, model_name in state.models:
        label = f"{app_label}.{state.models[(app_label, model_name)].name}"
        if label in LARGE_TABLES and state.models[(app_label, model_name)].name in source:
            named.add(label)
    return named


def _statements(sql) -> list[str]:
    if isinstance(sql, str):
        return [sql]
    return [item if isinstance(item, str) else item[0] for item in sql]


def baseline() -> set[str]:
    lines = BASELINE.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def project_migrations(loader) -> list[tuple[str, str]]:
    """linkwork's own migrations (not Django's or a package's), in dependency order."""
    ours = []
    for key in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(key):
            module = sys.modules[loader.graph.nodes[node].__module__]
            path = Path(module.__file__).resolve()
            if node not in ours and path.is_relative_to(BASE_DIR) and ".venv" not in path.parts:
                ours.append(node)
    return ours


def check_project() -> list[Finding]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    grandfathered = baseline()
    findings = []
    for app_label, name in project_migrations(loader):
        if f"{app_label}.{name}" in grandfathered:
            continue
        state = loader.project_state((app_label, name), at_end=False)
        findings += check_migration(loader.graph.nodes[(app_label, name)], state)
    return findings


def main() -> int:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    findings = check_project()
    for finding in findings:
        print(finding)
    failures = [f for f in findings if not f.waived]
    if failures:
        print(f"{len(failures)} migration problem(s): see docs/migrations.md.")
        return 1
    print("Migrations: nothing locks a large table or breaks the running code.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
