"""The worker process carries on through a database outage (a PostgreSQL restart) instead of
ending: found by bench/load.py --fault postgres, where db_worker's set_failed hit the
database while it was away and the OperationalError ended the worker."""

import logging
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django_tasks_db.models import DBTaskResult

from core.management.commands import worker as worker_command
from core.periodic import run_duty

pytestmark = pytest.mark.django_db

DUTY = "core.audit_chain.seal_pending"  # any task will do
LOGGER = "core.management.commands.worker"


class Runs:
    """Stands for db_worker's loop: raises the given errors in turn, then returns."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)


@pytest.fixture
def outage(monkeypatch):
    """No real waiting or closing (a test runs inside one transaction); the database
    answers the probe as `answers` says, one value per probe."""
    seen = {"waits": [], "closed": 0, "answers": []}
    monkeypatch.setattr(worker_command, "_wait", seen["waits"].append)

    def close():
        seen["closed"] += 1

    def answers():
        return seen["answers"].pop(0) if seen["answers"] else True

    monkeypatch.setattr(worker_command, "_close_connections", close)
    monkeypatch.setattr(worker_command, "_database_answers", answers)
    return seen


def warnings(caplog):
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def test_the_loop_carries_on_after_the_database_goes_away(outage, caplog):
    run = Runs(OperationalError("server closed the connection unexpectedly"))
    outage["answers"] = [False, False, True]  # still restarting for two probes
    with caplog.at_level(logging.INFO, logger=LOGGER):
        worker_command.run_through_outages(run)
    assert run.calls == 2
    assert outage["waits"] == [1.0, 2.0, 4.0]  # backoff while it is away
    assert outage["closed"] == 3  # a fresh connection after each try
    assert len(warnings(caplog)) == 1  # one warning for the outage, not one per try
    assert any("again after" in r.getMessage() for r in caplog.records)


def test_failures_straight_after_it_comes_back_are_the_same_outage(outage, caplog):
    run = Runs(*[OperationalError("the database system is starting up")] * 3, InterfaceError())
    with caplog.at_level(logging.INFO, logger=LOGGER):
        worker_command.run_through_outages(run)
    assert run.calls == 5
    assert len(warnings(caplog)) == 1
    assert outage["waits"] == [1.0, 2.0, 4.0, 8.0]


def test_waits_stop_growing_at_the_longest(outage):
    outage["answers"] = [False] * 10
    worker_command.run_through_outages(Runs(OperationalError("down")))
    assert max(outage["waits"]) == worker_command.OUTAGE_LONGEST_WAIT
    assert outage["waits"][-3:] == [worker_command.OUTAGE_LONGEST_WAIT] * 3


def test_a_later_outage_is_warned_about_again(outage, caplog, monkeypatch):
    monkeypatch.setattr(worker_command, "OUTAGE_SETTLE_SECONDS", 0)
    run = Runs(OperationalError("first"), OperationalError("second"))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        worker_command.run_through_outages(run)
    assert len(warnings(caplog)) == 2
    assert outage["waits"] == [1.0, 1.0]  # backoff starts again for a new outage


@pytest.mark.parametrize("error", [ProgrammingError("no such table"), ValueError("a bug")])
def test_errors_that_waiting_will_not_mend_still_stop_the_worker(outage, error):
    with pytest.raises(type(error)):
        worker_command.run_through_outages(Runs(error))
    assert outage["waits"] == []


def test_a_stop_signal_while_waiting_still_stops_it(outage, monkeypatch):
    def stopped(seconds):
        raise SystemExit(0)  # db_worker's SIGTERM handler, arriving in the sleep

    monkeypatch.setattr(worker_command, "_wait", stopped)
    with pytest.raises(SystemExit):
        worker_command.run_through_outages(Runs(OperationalError("down")))


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_outlives_a_failure_recording_a_task(monkeypatch, caplog):
    """As in the benchmark: the database goes while a task's result is being recorded
    (set_successful, then set_failed, fail). The process carries on with the next task:
    the real db_worker loop, connections really closed and opened again."""
    waits = []
    monkeypatch.setattr(worker_command, "_wait", waits.append)
    run_duty.enqueue(DUTY)
    run_duty.enqueue(DUTY)
    real_successful = DBTaskResult.set_successful
    away = {"left": 1}

    def successful(self, value):
        if away["left"]:
            raise OperationalError("terminating connection due to administrator command")
        return real_successful(self, value)

    def failed(self, exc):
        if away["left"]:
            away["left"] -= 1
            raise OperationalError("no connection to the server")
        raise AssertionError("only the first task fails")

    with (
        mock.patch.object(DBTaskResult, "set_successful", successful),
        mock.patch.object(DBTaskResult, "set_failed", failed),
        caplog.at_level(logging.WARNING, logger=LOGGER),
    ):
        worker_command.Command().handle(batch=True, verbosity=0)
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    # The task whose result was lost is handed back by its own worker once the database
    # answers (core/orphaned_tasks.py) and runs again; the next one ran after the outage.
    assert statuses == ["SUCCESSFUL", "SUCCESSFUL"]
    assert len(warnings(caplog)) == 1 and waits == [1.0]
