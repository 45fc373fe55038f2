"""Under load, sealing the audit chain after every commit would cost each request a second
transaction: a process seals at most once every AUDIT_SEAL_EVERY_SECONDS, and the sweep's
duty seals what the last requests of a burst left (core/audit.py, core/periodic.py)."""

import pytest
from django.db import transaction

from core import audit, audit_chain, periodic
from core.models import AuditEvent


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.AUDIT_SEAL_EVERY_SECONDS = 1
    monkeypatch.setattr(audit, "_last_seal", float("-inf"))
    clock = Clock()
    monkeypatch.setattr(audit, "monotonic", clock)
    return clock


def write(n=1):
    with transaction.atomic():
        for _ in range(n):
            audit.record_change(by=None, verb="test_row")


def unsealed():
    return AuditEvent.objects.filter(seq__isnull=True).count()


@pytest.mark.django_db(transaction=True)
def test_one_seal_a_second_covers_the_commits_of_that_second(clock):
    write(2)
    assert unsealed() == 0  # the first commit seals at once
    clock.now += 0.4
    write()
    clock.now += 0.4
    write()
    assert unsealed() == 2  # within the second: left for the next seal
    clock.now += 0.3  # a second since the last seal
    write()
    assert unsealed() == 0  # this seal took the two left before it, in commit order
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert audit_chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_sweep_seals_what_the_last_requests_left(clock):
    write()
    clock.now += 0.1
    write(3)
    assert unsealed() == 3
    assert periodic.run_duty.call("core.audit_chain.seal_pending") == 3
    assert unsealed() == 0 and audit_chain.verify().ok


def test_the_sweep_seals_each_minute_on_the_time_critical_queue():
    interval = dict(periodic.DUTIES)["core.audit_chain.seal_pending"]
    assert interval.total_seconds() == 60
    assert periodic.queue_for("core.audit_chain.seal_pending") == "default"


@pytest.mark.django_db(transaction=True)
def test_zero_seals_after_every_commit(clock, settings):
    settings.AUDIT_SEAL_EVERY_SECONDS = 0
    for _ in range(3):
        write()
        assert unsealed() == 0
