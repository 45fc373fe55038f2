"""Derive the reporting facts of a batch of referrals from their case records.

A few set-based queries per batch (never one per referral), then the old facts are replaced
in one transaction. Definitions (docs/reporting.md):
- accepted: the service took the referral on at triage (now accepted, allocated, in
  contact or discharged);
- waiting time to first contact: days from receipt to the first contact in which someone
  spoke with the person; to first activity: days to the first session they attended;
- an activity referral was accepted if the provider ever accepted it, attended if the
  person went at least once;
- outcomes: the baseline against the latest follow-up of the same measure; a follow-up was
  due when a non-baseline questionnaire including it fell due (or was answered).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from casework.models import Contact
from core.bulk_insert import insert_objects
from core.dates import month_start
from directory.models import Service
from geography.models import Postcode
from onward.models import Attendance, OnwardReferral, Signpost
from onward.states import Status as OnwardStatus
from organisations.models import Organisation
from outcomes import instruments
from outcomes.models import HealthcareUse, QuestionnaireRequest, Response, Timepoint
from referrals.demographics import age_band, ethnic_group
from referrals.models import Referral
from reporting.models import FactTag, OnwardFact, OutcomeFact, ReferralFact

BATCH = 2000
ACCEPTED_STATUSES = {"accepted", "allocated", "active", "discharged"}
ONWARD_ACCEPTED = {
    OnwardStatus.ACCEPTED,
    OnwardStatus.ATTENDED,
    OnwardStatus.DID_NOT_ATTEND,
    OnwardStatus.COMPLETED,
    OnwardStatus.STOPPED,
}
ONWARD_ATTENDED = {OnwardStatus.ATTENDED, OnwardStatus.COMPLETED}


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _days(start: date, end: date | None) -> int | None:
    return max((end - start).days, 0) if end else None


def build(referral_ids: Iterable, *, now: datetime | None = None) -> set[tuple]:
    """Rebuild the facts of these referrals. Returns the (area id, month) pairs whose
    figures may have changed, old and new, for the roll-up to recompute."""
    now = now or timezone.now()
    ids = list(referral_ids)
    touched: set[tuple] = set()
    practices: dict = {}
    activity_types: dict = {}
    for start in range(0, len(ids), BATCH):
        touched |= _build_batch(ids[start : start + BATCH], now, practices, activity_types)
    return touched


@transaction.atomic
def _build_batch(ids: list, now: datetime, practices: dict, activity_types: dict) -> set:
    today = timezone.localdate(now)
    touched = set(ReferralFact.objects.filter(pk__in=ids).values_list("area_id", "month"))
    referrals = list(
        Referral.objects.filter(pk__in=ids).values(
            "id",
            "area_id",
            "service_id",
            "person_id",
            "received_at",
            "source",
            "status",
            "decline_reason",
            "discharge_reason__code",
            "closed_at",
            "allocated_to_id",
            "person__registered_practice_id",
            "person__date_of_birth",
            "person__sex",
            "person__ethnicity",
            "person__postcode",
            "person__research_allowed",
        )
    )
    found = [r["id"] for r in referrals]
    _remember_practices(practices, {r["person__registered_practice_id"] for r in referrals})
    contacts = {
        row["referral_id"]: row
        for row in Contact.objects.filter(referral_id__in=found)
        .values("referral_id")
        .annotate(
            attempts=Count("id"),
            spoke=Count("id", filter=Q(outcome=Contact.Outcome.SPOKE)),
            first=Min("occurred_at", filter=Q(outcome=Contact.Outcome.SPOKE)),
        )
    }
    onward = list(
        OnwardReferral.objects.filter(referral_id__in=found).values(
            "id",
            "referral_id",
            "provider_id",
            "service_id",
            "sent_at",
            "status",
            "answered_at",
            "first_session_at",
        )
    )
    first_attended = dict(
        Attendance.objects.filter(onward__referral_id__in=found, attended=True)
        .values("onward_id")
        .annotate(first=Min("session_on"))
        .values_list("onward_id", "first")
    )
    _remember_activity_types(activity_types, {o["service_id"] for o in onward})
    signposts = dict(
        Signpost.objects.filter(referral_id__in=found)
        .values("referral_id")
        .annotate(n=Count("id"))
        .values_list("referral_id", "n")
    )
    needs = defaultdict(list)
    for referral_id, code in Referral.needs.through.objects.filter(
        referral_id__in=found
    ).values_list("referral_id", "need__code"):
        needs[referral_id].append(code)
    use = defaultdict(dict)
    for row in HealthcareUse.objects.filter(referral_id__in=found).values(
        "referral_id", "period", "gp_consultations", "ae_attendances"
    ):
        use[row["referral_id"]][row["period"]] = row
    deciles = dict(
        Postcode.objects.filter(
            code__in={r["person__postcode"] for r in referrals}, imd_decile__isnull=False
        ).values_list("code", "imd_decile")
    )
    outcomes = _outcomes(found, today)

    facts, tags, outcome_rows, onward_rows = [], [], [], []
    onward_by_referral = defaultdict(list)
    for o in onward:
        onward_by_referral[o["referral_id"]].append(o)
    for r in referrals:
        rid = r["id"]
        received = _local_date(r["received_at"])
        month = month_start(received)
        touched.add((r["area_id"], month))
        contact = contacts.get(rid, {})
        first_activity = None
        attended_types = set()
        accepted = attended = 0
        for o in onward_by_referral[rid]:
            went = first_attended.get(o["id"])
            if went is None and o["status"] in ONWARD_ATTENDED:
                went = _local_date(o["first_session_at"]) or received
            accepted += o["status"] in ONWARD_ACCEPTED
            if went is not None:
                attended += 1
                attended_types |= activity_types.get(o["service_id"], set())
                first_activity = min(first_activity or went, went)
        before = use[rid].get(HealthcareUse.Period.BEFORE, {})
        after = use[rid].get(HealthcareUse.Period.AFTER, {})
        practice = r["person__registered_practice_id"]
        fact = ReferralFact(
            referral_id=rid,
            area_id=r["area_id"],
            service_id=r["service_id"],
            practice_id=practice,
            pcn_id=practices.get(practice),
            person_id=r["person_id"],
            month=month,
            received_on=received,
            source=r["source"],
            status=r["status"],
            decline_reason=r["decline_reason"],
            discharge_reason=r["discharge_reason__code"] or "",
            closed_on=_local_date(r["closed_at"]),
            link_worker_id=r["allocated_to_id"],
            first_contact_days=_days(received, _local_date(contact.get("first"))),
            first_activity_days=_days(received, first_activity),
            contacts=contact.get("spoke", 0),
            contact_attempts=contact.get("attempts", 0),
            onward_sent=len(onward_by_referral[rid]),
            onward_accepted=accepted,
            onward_attended=attended,
            signposts=signposts.get(rid, 0),
            age_band=age_band(r["person__date_of_birth"], received),
            sex=r["person__sex"],
            ethnic_group=ethnic_group(r["person__ethnicity"]),
            imd_decile=deciles.get(r["person__postcode"]),
            research_allowed=r["person__research_allowed"],
            gp_before=before.get("gp_consultations"),
            gp_after=after.get("gp_consultations"),
            ae_before=before.get("ae_attendances"),
            ae_after=after.get("ae_attendances"),
            refreshed_at=now,
        )
        facts.append(fact)
        tags += [FactTag(fact_id=rid, kind=FactTag.Kind.NEED, code=c) for c in needs[rid]]
        tags += [
            FactTag(fact_id=rid, kind=FactTag.Kind.ACTIVITY, code=c) for c in sorted(attended_types)
        ]
        outcome_rows += [OutcomeFact(fact_id=rid, **values) for values in outcomes.get(rid, [])]
        onward_rows += [
            OnwardFact(
                onward_id=o["id"],
                fact_id=rid,
                provider_id=o["provider_id"],
                area_id=r["area_id"],
                service_id=r["service_id"],
                month=month_start(_local_date(o["sent_at"])),
                status=o["status"],
                response_days=_days(_local_date(o["sent_at"]), _local_date(o["answered_at"])),
                accepted=o["status"] in ONWARD_ACCEPTED,
                attended=o["id"] in first_attended or o["status"] in ONWARD_ATTENDED,
            )
            for o in onward_by_referral[rid]
        ]

    # Derived rows with nothing hanging off them but each other: straight DELETEs, children
    # first, and inserts without the ORM's per-object work (most of a rebuild's time).
    for model, filters in (
        (FactTag, {"fact_id__in": ids}),
        (OutcomeFact, {"fact_id__in": ids}),
        (OnwardFact, {"fact_id__in": ids}),
        (ReferralFact, {"pk__in": ids}),
    ):
        queryset = model.objects.filter(**filters)
        queryset._raw_delete(queryset.db)
    for model, rows in (
        (ReferralFact, facts),
        (FactTag, tags),
        (OutcomeFact, outcome_rows),
        (OnwardFact, onward_rows),
    ):
        insert_objects(model, rows)
    return touched


def _remember_practices(cache: dict, ids: set) -> None:
    missing = {i for i in ids if i is not None and i not in cache}
    if missing:
        cache.update(Organisation.objects.filter(pk__in=missing).values_list("id", "pcn_id"))


def _remember_activity_types(cache: dict, service_ids: set) -> None:
    """What an activity is for, from its directory listing's taxonomy terms (mapped to
    needs where the directory says so)."""
    missing = service_ids - cache.keys()
    if not missing:
        return
    for service_id in missing:
        cache[service_id] = set()
    for service_id, need, term in Service.terms.through.objects.filter(
        service_id__in=missing
    ).values_list("service_id", "taxonomyterm__need__code", "taxonomyterm__code"):
        cache[service_id].add(need or term)


def _outcomes(referral_ids: list, today: date) -> dict:
    """Per referral, one row per measure that has a baseline."""
    responses = defaultdict(list)
    for row in (
        Response.objects.filter(referral_id__in=referral_ids, submitted_at__isnull=False)
        .order_by("submitted_at")
        .values("referral_id", "instrument", "timepoint", "measures")
    ):
        responses[row["referral_id"]].append(row)
    due = defaultdict(set)
    for referral_id, wanted in (
        QuestionnaireRequest.objects.filter(referral_id__in=referral_ids, due_on__lte=today)
        .exclude(timepoint=Timepoint.BASELINE)
        .exclude(status=QuestionnaireRequest.Status.CANCELLED)
        .values_list("referral_id", "instruments")
    ):
        due[referral_id].update(wanted)

    result = {}
    for referral_id, rows in responses.items():
        baseline, latest = {}, {}
        for row in rows:
            target = baseline if row["timepoint"] == Timepoint.BASELINE else latest
            if row["timepoint"] == Timepoint.BASELINE and row["instrument"] in baseline:
                continue  # the first baseline stands
            target[row["instrument"]] = row["measures"]
        values = []
        for instrument, measures in baseline.items():
            for measure, before in measures.items():
                better = instruments.BETTER.get((instrument, measure))
                if better is None:
                    continue
                after = latest.get(instrument, {}).get(measure)
                row = {
                    "measure": f"{instrument}.{measure}",
                    "baseline": float(before),
                    "follow_up": None if after is None else float(after),
                    "follow_up_due": after is not None or instrument in due[referral_id],
                }
                if after is not None:
                    change = instruments.change(instrument, measure, _dec(before), _dec(after))
                    row["improved"] = change.difference * better > 0
                    row["worsened"] = change.difference * better < 0
                    row["meaningful_improvement"] = bool(change.meaningful and change.improved)
                    row["meaningful_deterioration"] = bool(
                        change.meaningful and not change.improved
                    )
                values.append(row)
        result[referral_id] = values
    return result


def _dec(value) -> Decimal:
    return Decimal(str(value))
