"""Every periodic duty that works through rows reaches all of them on each run, a batch at
a time (core.batches), however many are due: none takes "the first N" and leaves the rest
for a later run that may never reach them. The batch sizes are patched down here so that a
few rows make several batches."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.batches import in_batches
from core.models import PeriodicRun
from onward import actions as onward_actions
from referrals import deadlines
from tests import factories

pytestmark = pytest.mark.django_db


def test_in_batches_reaches_rows_the_walk_itself_moves_out_of_the_set():
    then = timezone.now() - timedelta(days=1)
    PeriodicRun.objects.bulk_create(
        PeriodicRun(name=f"duty-{n:02}", last_run_at=then) for n in range(11)
    )
    stale = PeriodicRun.objects.filter(last_run_at__lt=timezone.now() - timedelta(hours=1))
    seen = []
    for row in in_batches(stale, size=3):
        seen.append(row.name)
        # Dealt with: out of the set. Paging by OFFSET would now skip rows; by key it does not.
        PeriodicRun.objects.filter(pk=row.pk).update(last_run_at=timezone.now())
    assert seen == [f"duty-{n:02}" for n in range(11)]
    assert list(in_batches(PeriodicRun.objects.none(), size=3)) == []
    with pytest.raises(ValueError):
        list(in_batches(stale, size=0))


def test_the_provider_deadline_clock_reaches_every_referral_in_one_run(
    monkeypatch, active_referral, link_worker, provider, area
):
    monkeypatch.setattr(onward_actions, "CLOCK_BATCH", 3)
    for number in range(7):
        listing = factories.activity(
            area=area, name=f"Cafe {number}", owner=provider.organisation, capacity=2, maximum=10
        )
        onward_actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)
    late = timezone.now() + timedelta(days=30)
    assert onward_actions.run_clock(now=late) == {"reminded": 7, "escalated": 7}
    assert onward_actions.run_clock(now=late) == {"reminded": 0, "escalated": 0}


def test_the_first_contact_clock_reaches_every_referral_in_one_run(
    monkeypatch, referrer, service, team_lead
):
    monkeypatch.setattr(deadlines, "CLOCK_BATCH", 3)
    for _ in range(7):
        factories.referral(by=referrer, service=service)
    late = timezone.now() + timedelta(days=30)
    assert deadlines.run_clock(now=late) == {"reminded": 7, "escalated": 7}
    assert deadlines.run_clock(now=late) == {"reminded": 0, "escalated": 0}
