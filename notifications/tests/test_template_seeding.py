"""The data migrations that load Notify templates share one loader
(notifications/template_seeding.py): what they store is what they stored before, they run
again safely, and they can be reversed and applied again."""

import hashlib
import json
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import MessageTemplate
from notifications.template_seeding import email, seed_templates, sms, template_id

TEMPLATE_MIGRATIONS = [
    "notifications.migrations.0002_message_templates",
    "notifications.migrations.0004_password_templates",
    "notifications.migrations.0005_second_factor_reset_template",
    "notifications.migrations.0006_staff_invitation_template",
    "notifications.migrations.0007_unused_accounts_template",
    "outcomes.migrations.0002_default_schedule_and_templates",
]

# sha256 of the 26 templates (code, channel, Notify id, subject, body, description) as the
# migrations stored them before they shared a loader, read from a database migrated from
# empty at that commit. Any change to a stored template's words or id changes it.
STORED_BEFORE = "3de3eba2b6fd1d5c463ef61fb7c4653d237721261e89da767d8480215b6868af"


def _listed():
    return [row for name in TEMPLATE_MIGRATIONS for row in import_module(name).TEMPLATES]


def _fingerprint(rows) -> str:
    rows = sorted(
        [code, channel, str(tid), subject, body, desc]
        for code, channel, tid, subject, body, desc in rows
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _stored(codes):
    return list(
        MessageTemplate.objects.filter(code__in=codes).values_list(
            "code", "channel", "notify_template_id", "subject", "body", "description"
        )
    )


def test_the_migrations_store_the_templates_they_always_stored(db):
    listed = _listed()
    codes = {row[0] for row in listed}
    stored = _stored(codes)
    assert len(stored) == len(listed) == 26
    assert _fingerprint(stored) == STORED_BEFORE
    # ...and what is stored is what the migrations list, with the id made from code and channel.
    assert sorted(stored) == sorted(
        (code, channel, template_id(code, channel), subject, body, description)
        for code, channel, subject, body, description in listed
    )


def test_email_and_sms_build_rows_and_a_text_has_no_subject():
    assert email("c", "Subject", "Body", "What") == ("c", "email", "Subject", "Body", "What")
    assert sms("c", "Body", "What") == ("c", "sms", "", "Body", "What")
    assert template_id("c", "sms") != template_id("c", "email")


def test_seeding_again_brings_a_template_back_and_adds_nothing(db):
    migration = import_module("notifications.migrations.0006_staff_invitation_template")
    MessageTemplate.objects.filter(code="staff_invitation").update(body="Changed by hand")
    before = MessageTemplate.objects.count()
    seed_templates(apps, migration.TEMPLATES)
    seed_templates(apps, migration.TEMPLATES)
    assert MessageTemplate.objects.count() == before
    template = MessageTemplate.objects.get(code="staff_invitation")
    assert template.body == migration.TEMPLATES[0][3]
    assert template.notify_template_id == template_id("staff_invitation", "email")


def test_seeding_creates_templates_in_an_empty_table(db):
    MessageTemplate.objects.all().delete()
    seed_templates(apps, _listed())
    assert _fingerprint(_stored({row[0] for row in _listed()})) == STORED_BEFORE


@pytest.mark.django_db(transaction=True)
def test_the_template_migrations_reverse_and_apply_again():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        start = [("notifications", "0001_initial")]
        executor.migrate(start)
        # Reversing keeps the rows (as it always did); from an empty table they come back.
        then = executor.loader.project_state(start).apps
        then.get_model("notifications", "MessageTemplate").objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert _fingerprint(_stored({row[0] for row in _listed()})) == STORED_BEFORE
