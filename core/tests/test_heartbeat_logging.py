"""The worker's heartbeat thread carries on through failed beats; SQLite's "database is
locked" is one warning line with no traceback, any other failure is logged with its
traceback (core/background.py)."""

import logging
import threading

import pytest
from django.db import OperationalError

from core import background


def run_beats(monkeypatch, failures):
    """Run the thread until it has tried len(failures) + 1 beats: each of `failures` is
    raised in turn, and the last beat succeeds. Returns the worker ids it beat for."""
    failures = list(failures)
    beaten = []
    done = threading.Event()

    def beat(worker_id):
        if failures:
            raise failures.pop(0)
        if done.is_set():  # a loaded machine may beat again before stop() arrives
            return
        beaten.append(worker_id)
        done.set()

    monkeypatch.setattr(background, "beat", beat)
    thread = background.HeartbeatThread("w1", every=0.01)
    thread.start()
    try:
        assert done.wait(timeout=10), "the thread stopped beating"
    finally:
        thread.stop()
    assert not thread.is_alive()
    return beaten


def heartbeat_records(caplog):
    return [r for r in caplog.records if r.name == "core.background"]


def test_a_locked_sqlite_database_is_one_warning_line_and_the_thread_carries_on(
    monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="core.background")
    locked = OperationalError("database is locked")
    beaten = run_beats(monkeypatch, [locked, locked])
    assert beaten == ["w1"]  # it beat again after the lock cleared
    records = heartbeat_records(caplog)
    assert len(records) == 2
    for record in records:
        assert record.levelno == logging.WARNING
        assert record.exc_info is None and record.exc_text is None
        message = record.getMessage()
        assert "database is locked" in message and "\n" not in message
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 failed"),
        OperationalError("no such table: core_workerheartbeat"),
        RuntimeError("database is locked"),  # not the database's error: a fault of ours
    ],
    ids=["connection-lost", "other-operational-error", "not-a-database-error"],
)
def test_any_other_failure_keeps_its_traceback_and_the_thread_carries_on(
    monkeypatch, caplog, error
):
    caplog.set_level(logging.INFO, logger="core.background")
    assert run_beats(monkeypatch, [error]) == ["w1"]
    (record,) = heartbeat_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[1] is error
    assert "Traceback" in caplog.text
