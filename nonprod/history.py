"""Synthetic case history in bulk: referrals with their whole stories — timeline events,
contacts, activity referrals and attendance, questionnaires at baseline and follow-up, GP
and A&E use before and after — written straight to the tables.

The demo uses it for the county's past two and a half years; bench/reporting_bench.py for
England's 1.5 million referrals. Going through the actions would take days at that scale,
so rows are generated here, respecting every database constraint the actions respect
(the database checks them anyway). Stories never leave anything for the worker to chase:
no unanswered provider referrals, questionnaires or first contacts pending."""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from django.utils import timezone

from accounts.models import User
from casework.models import Contact, Goal, WhatMatters
from core.dates import add_months
from geography.models import Postcode
from nonprod.bulk_rows import RowWriter
from onward.models import Attendance, OnwardReferral, Signpost
from outcomes import instruments
from outcomes.models import HealthcareUse, QuestionnaireRequest, Response
from referrals.models import Person, Referral, ReferralEvent
from referrals.references import LONGER, reference_for
from referrals.validators import nhs_number_check_digit

CORE = ["ons4", "swemwbs", "ucla3", "ons_loneliness"]
BY_NEED = {"anxiety": ["gad7"], "low-mood": ["phq9"], "mental-health-crisis": ["phq9", "gad7"]}
SOURCES = [("web_form", 68), ("fhir", 17), ("self", 10), ("bulk", 5)]
DISCHARGES = [
    ("goals-met", 58),
    ("declined", 10),
    ("lost-contact", 15),
    ("moved-away", 5),
    ("needs-clinical-care", 6),
    ("other", 6),
]
# England's ethnic groups at the 2021 Census, roughly, as NHS ethnic category codes.
ETHNICITY = [("A", 73), ("C", 6), ("B", 1), ("H", 3), ("J", 3), ("K", 1), ("L", 2),
             ("N", 2), ("M", 1), ("P", 1), ("D", 1), ("F", 1), ("G", 1), ("R", 1), ("S", 2),
             ("Z", 1)]  # fmt: skip
SEX = [("female", 61), ("male", 37), ("other", 1), ("not_stated", 1)]
GIVEN = ["Alex", "Sam", "Jo", "Chris", "Pat", "Lee", "Kim", "Ashley", "Jamie", "Robin",
         "Morgan", "Casey", "Taylor", "Jordan", "Frankie", "Charlie"]  # fmt: skip
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
          "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Ahmed", "Hughes"]  # fmt: skip


@dataclass
class Cast:
    """The people and places one area's history is drawn on."""

    area_id: UUID
    service_id: UUID
    lead_id: UUID  # triages and allocates
    practices: list[UUID]
    workers: list[UUID]  # link workers who carried the caseload
    activities: list[tuple[UUID, UUID]]  # (directory service, provider organisation)
    needs: dict[str, int | UUID]  # need code → id
    reasons: dict[str, UUID]  # discharge reason code → id
    postcodes: list[str]  # full postcodes people live at
    open_workers: list[UUID] | None = None  # who holds the stories still open today


def postcodes_for(districts: list[str], rng: random.Random, per_district: int = 40) -> list:
    """Made-up full postcodes in real districts, each with an IMD decile, so deprivation
    can be shown. Rows for the geography table, labelled as synthetic."""
    rows = []
    centroids = dict(Postcode.objects.filter(code__in=districts).values_list("code", "latitude"))
    longitudes = dict(Postcode.objects.filter(code__in=districts).values_list("code", "longitude"))
    for district in districts:
        lean = rng.random()  # some districts are poorer than others
        for _ in range(per_district):
            unit = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
            code = f"{district} {rng.randint(1, 9)}{unit}"
            decile = min(10, max(1, round(1 + 9 * min(max(rng.gauss(lean, 0.25), 0), 1))))
            rows.append(
                {
                    "code": code,
                    "precision": "full",
                    "latitude": centroids.get(district, 52.2) + rng.uniform(-0.02, 0.02),
                    "longitude": longitudes.get(district, -0.9) + rng.uniform(-0.03, 0.03),
                    "source": "linkwork demo (synthetic)",
                    "lsoa": f"E01{rng.randint(0, 99999):06d}",
                    "imd_decile": decile,
                }
            )
    unique = {r["code"]: r for r in rows}
    return list(unique.values())


def write(
    cast: Cast,
    *,
    count: int,
    first: date,
    last: date,
    today: date,
    rng: random.Random,
    writer: RowWriter,
    numbers: Callable[[], str],
    progress: Callable[[int], None] | None = None,
) -> None:
    """`count` referrals received between `first` and `last`, their stories cut at today."""
    span = (last - first).days
    for number in range(count):
        received = first + timedelta(days=rng.randint(0, span))
        _story(cast, received, today, rng, writer, numbers)
        if progress and (number + 1) % 10_000 == 0:
            progress(number + 1)
    writer.flush()


def nhs_numbers(rng: random.Random, taken: set[str]) -> Callable[[], str]:
    """Fresh valid NHS numbers from the 999 test range (never issued to real patients)."""

    def fresh() -> str:
        while True:
            first_nine = f"999{rng.randint(0, 999_999):06d}"
            check = nhs_number_check_digit(first_nine)
            if check is not None and first_nine + str(check) not in taken:
                taken.add(first_nine + str(check))
                return first_nine + str(check)

    return fresh


def _id(rng) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def _pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _at(day: date, rng, hour_from: int = 9, hour_to: int = 16) -> datetime:
    return datetime.combine(
        day, time(rng.randint(hour_from, hour_to), rng.randint(0, 59)), tzinfo=UTC
    )


def _poisson(rng, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _Story:
    """Collects one referral's rows; events carry the referral's timeline."""

    def __init__(self, writer, rng, referral_id):
        self.writer, self.rng, self.referral_id = writer, rng, referral_id
        self.events = []

    def event(self, at, kind, summary, by=None, from_status="", to_status=""):
        self.events.append(
            {
                "id": _id(self.rng),
                "created_at": at,
                "referral_id": self.referral_id,
                "at": at,
                "by_id": by,
                "kind": kind,
                "from_status": from_status,
                "to_status": to_status,
                "summary": summary,
                "detail": "",
                "concept_id": None,
            }
        )


def _story(cast: Cast, received: date, today: date, rng, writer: RowWriter, numbers) -> None:
    w = writer
    person_id, referral_id = _id(rng), _id(rng)
    received_at = _at(received, rng)
    needs = rng.sample(list(cast.needs), k=rng.choice([1, 1, 2, 2, 3]))
    born = received - timedelta(days=int(365.25 * min(max(rng.gauss(52, 19), 18), 96)))
    practice = rng.choice(cast.practices)
    source = _pick(rng, SOURCES)
    sex = _pick(rng, SEX) if rng.random() < 0.93 else ""
    ethnicity = _pick(rng, ETHNICITY) if rng.random() < 0.85 else ""
    w.add(
        Person,
        {
            "id": person_id,
            "created_at": received_at,
            "area_id": cast.area_id,
            "nhs_number": numbers() if source != "self" or rng.random() < 0.5 else "",
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY),
            "date_of_birth": born,
            "postcode": rng.choice(cast.postcodes),
            "phone": f"07700 9{rng.randint(0, 99999):05d}".replace(" ", ""),
            "email": "",
            "preferred_contact": "phone",
            "registered_practice_id": practice,
            "texts_allowed": rng.random() < 0.7,
            "research_allowed": rng.random() < 0.6,
            "sex": sex,
            "ethnicity": ethnicity,
            "consent_recorded_at": received_at,
        },
    )
    story = _Story(w, rng, referral_id)
    story.event(received_at, "received", "Referral received")
    referral = {
        "id": referral_id,
        "reference": reference_for(referral_id, LONGER),  # 60 bits: millions never collide
        "created_at": received_at,
        "area_id": cast.area_id,
        "person_id": person_id,
        "service_id": cast.service_id,
        "source": source,
        "referring_organisation_id": practice if source in ("web_form", "fhir") else None,
        "context": "",
        "consent_to_contact": True,
        "received_at": received_at,
        "version": 1,
    }
    for code in needs:
        w.add(
            Referral.needs.through,
            {"referral_id": referral_id, "need_id": cast.needs[code]},
        )
    # The story stops at 8 in the morning of `today`, or now if that is earlier.
    now = min(datetime.combine(today, time(8, 0), tzinfo=UTC), timezone.now())
    # Nothing in the past is dated after now (the refresh would see it as new, every time).
    triaged = min(received_at + timedelta(hours=rng.randint(2, 70)), now)
    triage = rng.random()
    if triage < 0.11:
        declined = triage < 0.06
        status = "declined" if declined else "redirected"
        referral.update(
            status=status,
            status_changed_at=triaged,
            closed_at=triaged,
            decline_reason=rng.choice(["wrong_service", "needs_clinical_care", "out_of_area"])
            if declined
            else "",
            redirected_to="" if declined else "NHS Talking Therapies",
        )
        story.event(triaged, "status", "Triaged", cast.lead_id, "received", status)
        _finish(w, referral, story)
        return

    worker = rng.choice(cast.workers)
    allocated = min(triaged + timedelta(hours=rng.randint(1, 48)), now)
    story.event(triaged, "status", "Accepted", cast.lead_id, "received", "accepted")
    story.event(allocated, "allocated", "Allocated", cast.lead_id, "accepted", "allocated")
    # Days to the first conversation: most within a week or two, a long tail.
    wait = min(int(rng.expovariate(1 / 8)) + 1, 90)
    reached = rng.random() > 0.05
    first_contact = _at(received + timedelta(days=wait), rng)
    for attempt in range(rng.choice([0, 0, 1, 2])):
        tried = allocated + timedelta(days=attempt + 1)
        if tried < first_contact and tried < now:
            _contact(w, rng, story, referral_id, tried, worker, "no_answer")
    length = rng.randint(110, 280)
    ends = received + timedelta(days=length)
    still_open = ends >= today and cast.open_workers is not None and reached
    if still_open:
        worker = rng.choice(cast.open_workers)
    if reached and first_contact >= now and cast.open_workers is not None:
        # Allocated, not yet reached: no clock set, so nothing will chase the demo worker.
        referral.update(
            status="allocated",
            status_changed_at=allocated,
            allocated_to_id=rng.choice(cast.open_workers),
            allocated_at=allocated,
        )
        _finish(w, referral, story)
        return
    if not reached or first_contact >= now:
        _close_early(cast, referral, story, rng, allocated, worker, now, reached)
        _finish(w, referral, story)
        return
    _contact(w, rng, story, referral_id, first_contact, worker, "spoke")
    referral.update(
        allocated_to_id=worker,
        allocated_at=allocated,
        first_contact_at=first_contact,
        first_contact_remind_on=received + timedelta(days=8),
        first_contact_due=received + timedelta(days=14),
    )
    story.event(first_contact, "status", "In contact", worker, "allocated", "active")
    story.event(first_contact, "what_matters", "What matters to me", worker)
    w.add(
        WhatMatters,
        {
            "id": _id(rng),
            "created_at": first_contact,
            "referral_id": referral_id,
            "text": "Getting out of the house and meeting people again.",
            "by_id": worker,
        },
    )
    w.add(
        Goal,
        {
            "id": _id(rng),
            "created_at": first_contact,
            "referral_id": referral_id,
            "description": "Go to a group once a week",
            "status": "active",
            "created_by_id": worker,
            "updated_at": first_contact,
        },
    )
    story.event(first_contact, "goal_set", "Goal set", worker)
    end = min(datetime.combine(ends, time(12), tzinfo=UTC), now - timedelta(hours=1))
    # Follow-up contacts, roughly fortnightly.
    moment = first_contact + timedelta(days=rng.randint(7, 20))
    while moment < end - timedelta(days=3):
        _contact(
            w,
            rng,
            story,
            referral_id,
            moment,
            worker,
            "spoke" if rng.random() < 0.85 else "no_answer",
        )
        moment += timedelta(days=rng.randint(10, 30))
    _activities(cast, story, rng, first_contact, end, worker)
    effect = rng.gauss(0.09, 0.13)  # how much better they get, on a 0–1 scale
    level = min(max(rng.gauss(0.36, 0.15), 0.02), 0.95)
    wanted = CORE + sorted({i for n in needs for i in BY_NEED.get(n, [])})
    first_on = first_contact.date()
    if rng.random() < 0.9:
        _answers(story, rng, referral_id, "baseline", wanted, level, first_contact, worker)
    for months, timepoint, returned in ((3, "month-3", 0.68), (6, "month-6", 0.55)):
        due = add_months(first_on, months)
        if due > end.date():
            if not still_open:  # cancelled at discharge, never due
                _request(w, rng, referral_id, timepoint, wanted, due, "cancelled", None)
            continue
        answered = rng.random() < returned
        at = _at(due + timedelta(days=rng.randint(0, 12)), rng)
        if answered and at < end:
            share = months / 6
            _answers(story, rng, referral_id, timepoint, wanted, level + effect * share, at, None)
            _request(w, rng, referral_id, timepoint, wanted, due, "completed", at)
        else:
            _request(w, rng, referral_id, timepoint, wanted, due, "sent", None)
    _healthcare_use(w, rng, referral_id, received, today, cast.lead_id, effect)
    if still_open:
        referral.update(status="active", status_changed_at=first_contact)
    else:
        reason = _pick(rng, DISCHARGES)
        if reason == "goals-met" and rng.random() < 0.5:
            at = end - timedelta(days=1)
            if rng.random() < 0.5:
                _answers(story, rng, referral_id, "discharge", wanted, level + effect, at, worker)
                _request(w, rng, referral_id, "discharge", wanted, at.date(), "completed", at)
        referral.update(
            status="discharged",
            status_changed_at=end,
            closed_at=end,
            discharge_reason_id=cast.reasons[reason],
        )
        story.event(end, "discharged", "Discharged", worker, "active", "discharged")
    _finish(w, referral, story)


def _close_early(cast, referral, story, rng, allocated, worker, now, reached) -> None:
    """Never reached (or only just allocated): discharged as lost contact, or declined."""
    at = min(allocated + timedelta(days=rng.randint(14, 40)), now - timedelta(hours=2))
    at = max(at, allocated + timedelta(minutes=5))
    reason = "lost-contact" if not reached else "declined"
    referral.update(
        status="discharged",
        status_changed_at=at,
        closed_at=at,
        allocated_to_id=worker,
        allocated_at=allocated,
        discharge_reason_id=cast.reasons[reason],
    )
    story.event(at, "discharged", "Discharged", worker, "allocated", "discharged")


def _finish(w, referral, story) -> None:
    referral.setdefault("status_changed_at", referral["received_at"])
    w.add(Referral, referral)
    for event in story.events:
        w.add(ReferralEvent, event)


def _contact(w, rng, story, referral_id, at, worker, outcome) -> None:
    w.add(
        Contact,
        {
            "id": _id(rng),
            "created_at": at,
            "referral_id": referral_id,
            "occurred_at": at,
            "by_id": worker,
            "mode": rng.choice(["phone", "phone", "face_to_face", "video", "home_visit"]),
            "outcome": outcome,
            "duration_minutes": rng.randint(10, 60) if outcome == "spoke" else 2,
        },
    )
    kind = "contact" if outcome == "spoke" else "contact_attempt"
    story.event(at, kind, "Spoke with them" if outcome == "spoke" else "No answer", worker)


def _activities(cast, story, rng, start, end, worker) -> None:
    w, referral_id = story.writer, story.referral_id
    if rng.random() < 0.2:
        service, _ = rng.choice(cast.activities)
        w.add(
            Signpost,
            {"id": _id(rng), "created_at": start, "referral_id": referral_id,
             "service_id": service, "by_id": worker},
        )  # fmt: skip
        story.event(start, "signposted", "Signposted", worker)
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        service, provider = rng.choice(cast.activities)
        sent = start + timedelta(days=rng.randint(1, 21))
        if sent >= end - timedelta(days=2):
            continue
        answered = sent + timedelta(days=min(int(rng.expovariate(1 / 3)), 20), hours=2)
        answered = min(answered, end - timedelta(hours=1))
        roll = rng.random()
        first_session, sessions = None, []
        if roll < 0.15:
            status, closed = "declined", answered
            decline = rng.choice(["full", "not_suitable", "no_response"])
        else:
            decline = ""
            first_session = answered + timedelta(days=rng.randint(2, 10))
            went = roll < 0.78 and first_session < end
            if went:
                for s in range(rng.randint(1, 8)):
                    day = (first_session + timedelta(days=7 * s)).date()
                    if datetime.combine(day, time(12), tzinfo=UTC) >= end:
                        break
                    sessions.append(day)
                status = "completed" if rng.random() < 0.6 else "stopped"
            else:
                status = "stopped"
            closed = end
        onward_id = _id(rng)
        respond_by = sent.date() + timedelta(days=14)
        w.add(
            OnwardReferral,
            {
                "id": onward_id,
                "created_at": sent,
                "referral_id": referral_id,
                "service_id": service,
                "provider_id": provider,
                "sent_by_id": worker,
                "sent_at": sent,
                "status": status,
                "status_changed_at": closed,
                "respond_by": respond_by,
                "remind_on": respond_by - timedelta(days=6),
                "answered_at": answered,
                "decline_reason": decline,
                "stop_reason": "chose_to_stop" if status == "stopped" else "",
                "first_session_at": first_session,
                "holds_place": False,
                "closed_at": closed,
            },
        )
        for day in sessions:
            w.add(
                Attendance,
                {"id": _id(rng), "created_at": end, "onward_id": onward_id, "session_on": day,
                 "attended": True, "recorded_by_id": worker},
            )  # fmt: skip
        story.event(sent, "onward", "Referred to an activity", worker)
        story.event(answered, "onward", f"Provider answered: {status}", None)


def _scale(value: float, low: int, high: int, rng, noise: float = 0.7) -> int:
    return min(high, max(low, round(low + (high - low) * value + rng.gauss(0, noise))))


def _answer_items(code: str, level: float, rng) -> dict:
    level = min(max(level, 0.0), 1.0)
    instrument = instruments.get(code)
    keys = [i.key for i in instrument.items]
    if code == "ons4":
        return {k: _scale(1 - level if k == "anxiety" else level, 0, 10, rng, 1.3) for k in keys}
    if code == "swemwbs":
        return {k: _scale(level, 1, 5, rng) for k in keys}
    if code == "ucla3":
        return {k: _scale(1 - level, 1, 3, rng, 0.5) for k in keys}
    if code == "ons_loneliness":
        return {k: _scale(level, 1, 5, rng) for k in keys}
    # GAD-7 and PHQ-9; never a self-harm answer here, which would need its safety alert.
    return {k: 0 if k == "self_harm" else _scale(1 - level, 0, 3, rng, 0.6) for k in keys}


def _answers(story, rng, referral_id, timepoint, codes, level, at, worker) -> None:
    for code in codes:
        instrument = instruments.get(code)
        answers = _answer_items(code, level, rng)
        result = instruments.score(instrument, answers)
        story.writer.add(
            Response,
            {
                "id": _id(rng),
                "created_at": at,
                "referral_id": referral_id,
                "request_id": None,
                "instrument": code,
                "version": instrument.version,
                "timepoint": timepoint,
                "answers": answers,
                "skipped": [],
                "measures": {k: str(v) for k, v in result.measures.items()},
                "bands": result.bands,
                "complete": result.complete,
                "completed_by": "link_worker" if worker else "person",
                "recorded_by_id": worker,
                "submitted_at": at,
                "updated_at": at,
            },
        )
    story.event(at, "outcome", f"Questionnaires: {timepoint}", worker)


def _request(w, rng, referral_id, timepoint, codes, due, status, completed_at) -> None:
    chased = status == "sent"
    sent = datetime.combine(due, time(10), tzinfo=UTC)
    w.add(
        QuestionnaireRequest,
        {
            "id": _id(rng),
            "created_at": sent - timedelta(days=90),
            "referral_id": referral_id,
            "timepoint": timepoint,
            "instruments": codes,
            "due_on": due,
            "status": status,
            "sent_at": sent if status != "cancelled" else None,
            "reminders": 2 if chased else 0,
            "last_sent_at": sent + timedelta(days=14) if chased else None,
            # Not returned after two reminders: the link worker was told.
            "link_worker_told_at": sent + timedelta(days=21) if chased else None,
            "completed_at": completed_at,
        },
    )


def _healthcare_use(w, rng, referral_id, received, today, by, effect) -> None:
    if rng.random() > 0.7:
        return
    need = rng.uniform(0.6, 1.6)  # some people see their GP far more than others
    windows = [("before", add_months(received, -6), received - timedelta(days=1), 1.0)]
    after_end = add_months(received, 6) - timedelta(days=1)
    if after_end < today and rng.random() < 0.85:
        windows.append(("after", received, after_end, max(0.45, 1 - 1.6 * effect)))
    for period, starts, ends, factor in windows:
        w.add(
            HealthcareUse,
            {
                "id": _id(rng),
                "created_at": datetime.combine(ends, time(12), tzinfo=UTC),
                "referral_id": referral_id,
                "period": period,
                "starts_on": starts,
                "ends_on": ends,
                "gp_consultations": min(_poisson(rng, 4.6 * need * factor), 150),
                "ae_attendances": min(_poisson(rng, 0.45 * need * factor), 100),
                "source": "imported",
                "recorded_by_id": by,
                "updated_at": datetime.combine(ends, time(12), tzinfo=UTC),
            },
        )


def workers_of(service_id) -> list[UUID]:
    return list(
        User.objects.filter(organisation_id=service_id, role="link_worker").values_list(
            "id", flat=True
        )
    )
