"""Two sweeps taking back orphaned tasks at the same moment take each task once: real
threads, each with its own connection, committing (tests/concurrency.py). On PostgreSQL
the second UPDATE waits for the first's row lock, then finds the row no longer RUNNING."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import orphaned_tasks
from core.background import beat
from core.models import AuditEvent
from core.periodic import run_duty
from referrals.tasks import process_bulk_upload
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)

DEAD = "node-a-101-dead01"


@pytest.fixture
def orphans():
    """One task of each kind, held by a worker that has since been silent past the grace."""
    beat(DEAD)
    rows = []
    for result in (
        run_duty.enqueue("core.audit_chain.seal_pending"),
        process_bulk_upload.enqueue("a-csv-upload"),
    ):
        row = DBTaskResult.objects.get(pk=result.id)
        row.claim(DEAD)
        rows.append(row)
    with time_machine.travel(timezone.now() + orphaned_tasks.grace() + timedelta(minutes=1)):
        yield rows


def test_two_sweeps_at_once_take_each_task_once(orphans):
    results = race([orphaned_tasks.take_back_orphaned_tasks] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["run_again"] for r in results) == 1
    assert sum(r["failed"] for r in results) == 1
    assert AuditEvent.objects.filter(verb="take_back_orphaned_task").count() == 2
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "READY"]


@pytest.mark.parametrize("which", [0, 1], ids=["run again", "failed"])
def test_two_take_backs_of_one_task_read_before_either_wrote_take_it_once(orphans, which):
    # Both read the task as RUNNING before either wrote: only the conditional UPDATE
    # tells them apart.
    seen = orphans[which]
    results = race(
        [lambda: orphaned_tasks.take_back(by=None, task=seen, why="its worker died")] * 4
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len([r for r in results if r is not None]) == 1
    assert AuditEvent.objects.filter(verb="take_back_orphaned_task").count() == 1
