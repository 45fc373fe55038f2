"""Keeping the facts up to date: every 15 minutes the periodic sweep rebuilds the facts of
referrals with anything new on their timeline (every change to a case writes a timeline
event) or a questionnaire that has since fallen due, and moves the roll-up cells they
belong to by the difference. Once a day everything is rebuilt from scratch, so nothing can
drift. One refresh at a time: the state row is locked for the duration."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from core import queues
from core.permissions import Role
from outcomes.models import QuestionnaireRequest
from referrals.models import Referral, ReferralEvent
from referrals.states import Status
from reporting import facts
from reporting.figures import apply_change, contributions, rebuild_rollup
from reporting.models import (
    AreaMonthCell,
    CaseloadSnapshot,
    FactTag,
    OnwardFact,
    OutcomeFact,
    ReferralFact,
    RefreshState,
)

# Changes are looked for from a little before the last refresh, so a transaction that was
# still open when it ran is not missed.
OVERLAP = timedelta(minutes=5)


@transaction.atomic
def refresh(now: datetime | None = None, progress=None) -> dict:
    now = now or timezone.now()
    state = RefreshState.objects.select_for_update().filter(name="facts").first()
    if state is None:
        return _rebuild(now, progress)
    since = state.changes_seen_until - OVERLAP
    changed = set(
        ReferralEvent.objects.filter(created_at__gte=since)
        .values_list("referral_id", flat=True)
        .distinct()
    )
    changed |= set(
        QuestionnaireRequest.objects.filter(
            due_on__gt=timezone.localdate(since), due_on__lte=timezone.localdate(now)
        ).values_list("referral_id", flat=True)
    )
    # Someone's details (age, postcode, consent) belong to every referral of theirs.
    changed |= set(
        Referral.objects.filter(
            person_id__in=Referral.objects.filter(pk__in=changed).values("person_id")
        ).values_list("pk", flat=True)
    )
    changed = sorted(changed)
    # Every roll-up figure is a sum: take away what these referrals added, add what they
    # add now, rather than recomputing whole months of every area they touch.
    before = contributions(changed)
    facts.build(changed, now=now)
    cells = apply_change(before, contributions(changed))
    workers = snapshot_caseloads()
    state.changes_seen_until = now
    state.refreshed_at = now
    state.save()
    return {"referrals": len(changed), "cells": cells, "link_workers": workers}


@transaction.atomic
def rebuild_all(now: datetime | None = None, progress=None) -> dict:
    now = now or timezone.now()
    RefreshState.objects.select_for_update().filter(name="facts").first()
    return _rebuild(now, progress)


def _rebuild(now, progress) -> dict:
    # Straight DELETEs: Django's delete() would first load every fact to cascade by hand.
    for model in (FactTag, OutcomeFact, OnwardFact, AreaMonthCell):
        model.objects.all()._raw_delete(model.objects.db)
    ReferralFact.objects.all()._raw_delete(ReferralFact.objects.db)
    ids = list(Referral.objects.order_by("pk").values_list("pk", flat=True))
    touched = set()
    step = facts.BATCH * 5
    for start in range(0, len(ids), step):
        touched |= facts.build(ids[start : start + step], now=now)
        if progress:
            progress(min(start + step, len(ids)), len(ids))
    cells = rebuild_rollup(touched)
    workers = snapshot_caseloads()
    RefreshState.objects.update_or_create(
        name="facts",
        defaults={"changes_seen_until": now, "refreshed_at": now, "full_rebuild_at": now},
    )
    return {"referrals": len(ids), "cells": cells, "link_workers": workers}


@task(queue_name=queues.BULK)
def rebuild_task() -> dict:
    return rebuild_all()


def book_rebuild() -> str:
    """The daily duty: the rebuild runs as its own task so the sweep is not held up."""
    rebuild_task.enqueue()
    return "booked"


def snapshot_caseloads() -> int:
    """Open cases per link worker now, including those with none."""
    open_cases = {
        row["allocated_to_id"]: row
        for row in Referral.objects.filter(status__in=[Status.ALLOCATED, Status.ACTIVE])
        .values("allocated_to_id", "service_id", "area_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        CaseloadSnapshot(
            area_id=row["area_id"],
            service_id=row["service_id"],
            link_worker_id=worker,
            open_cases=row["n"],
        )
        for worker, row in open_cases.items()
    ]
    for worker_id, service_id, area_id in User.objects.filter(
        role=Role.LINK_WORKER, is_active=True
    ).values_list("id", "organisation_id", "organisation__area_id"):
        if worker_id not in open_cases:
            rows.append(
                CaseloadSnapshot(
                    area_id=area_id, service_id=service_id, link_worker_id=worker_id, open_cases=0
                )
            )
    CaseloadSnapshot.objects.all()._raw_delete(CaseloadSnapshot.objects.db)
    CaseloadSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def last_refreshed() -> datetime | None:
    return RefreshState.objects.filter(name="facts").values_list("refreshed_at", flat=True).first()
