"""The sweep books the audit seal and the orphaned-task check every minute: that routine is
logged at DEBUG, so an operator's log (and the demo's console) is not a line a minute;
booking anything else is still logged at INFO."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.management.commands import sweep
from core.models import PeriodicRun

pytestmark = pytest.mark.django_db


def booked_lines(caplog):
    return [r for r in caplog.records if r.getMessage().startswith("Booked")]


def test_only_the_every_minute_duties_are_logged_at_debug(caplog, monkeypatch):
    # The command closes stale connections between rounds; inside a test's transaction the
    # connection must stay.
    monkeypatch.setattr(sweep, "close_old_connections", lambda: None)
    assert {
        "core.audit_chain.seal_pending",
        "core.orphaned_tasks.take_back_orphaned_tasks",
    } == sweep.EVERY_MINUTE
    call_command("sweep", once=True)  # everything is due the first time: INFO
    assert [r.levelno for r in booked_lines(caplog)] == [logging.INFO]
    DBTaskResult.objects.all().delete()  # as if the workers had run them
    caplog.clear()
    PeriodicRun.objects.filter(name__in=sweep.EVERY_MINUTE).update(
        last_run_at=timezone.now() - timedelta(minutes=2)
    )
    with caplog.at_level(logging.DEBUG, logger="core.periodic"):
        call_command("sweep", once=True)
    (line,) = booked_lines(caplog)
    assert line.levelno == logging.DEBUG
    assert set(line.getMessage().removeprefix("Booked ").split(", ")) == sweep.EVERY_MINUTE
