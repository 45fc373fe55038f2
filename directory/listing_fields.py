"""What a provider may change in their own listing, each field with its label, its value
now, the rules for a new value, how to show it in the editor's before/after table, and how
an approved value is applied.

A proposed change is stored as plain strings (`ListingChange.proposed`), one per field, so
the editor sees exactly what was asked for and the JSON stays readable. Fields a listing
cannot be edited through (a monthly timetable, several prices, venues with different
access) are left to the directory editor rather than flattened and lost.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ActionError
from core.ids import uuid7
from directory.models import CostOption, Location, Schedule, Service, TaxonomyTerm
from directory.search import DAY_NAMES, ICAL_DAYS, describe_schedule
from referrals.models import Need

DAY_CODES = list(ICAL_DAYS)  # MO … SU, in week order
NEEDS_TAXONOMY = "linkwork-needs"
MAX_SESSIONS = 9  # more than a form should hold; the editor keeps such timetables
SESSION_RE = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU) (\d\d:\d\d)-(\d\d:\d\d)$")


@dataclass(frozen=True)
class ListingField:
    name: str
    label: str
    current: Callable[[Service], str | None]  # None: not editable by the provider here
    clean: Callable[[Any], str]  # a form's value → the stored string; ActionError if bad
    show: Callable[[str], str]  # the stored string → words for the before/after table
    apply: Callable[[Service, str], set]  # → ids of listings whose search entries changed


# Plain text


def _text(name: str, label: str, limit: int | None = None, required=False) -> ListingField:
    def clean(value) -> str:
        text = str(value or "").strip()
        if required and not text:
            raise ActionError(f"Enter the {label.lower()}", field=name)
        if limit and len(text) > limit:
            raise ActionError(f"{label} must be {limit} characters or fewer", field=name)
        return text

    def apply(service, value) -> set:
        setattr(service, name, value)
        return {service.pk}

    return ListingField(
        name, label, lambda s: getattr(s, name), clean, lambda v: v or "(empty)", apply
    )


# Sessions: weekly day and times


def _sessions_now(service: Service) -> str | None:
    sessions = []
    for s in service.schedules.all():
        plain_weekly = (
            s.freq == Schedule.Freq.WEEKLY
            and s.interval == 1
            and s.opens_at
            and s.closes_at
            and not (s.valid_from or s.valid_to)
            and all(d.strip() in ICAL_DAYS for d in s.byday.split(","))
        )
        if not plain_weekly:
            return None
        sessions += [(d.strip(), s.opens_at, s.closes_at) for d in s.byday.split(",")]
    if len(sessions) > MAX_SESSIONS:
        return None
    return _sessions_text(sessions)


def _sessions_text(sessions) -> str:
    ordered = sorted(set(sessions), key=lambda s: (DAY_CODES.index(s[0]), s[1], s[2]))
    return ";".join(f"{day} {opens:%H:%M}-{closes:%H:%M}" for day, opens, closes in ordered)


def _sessions_clean(value) -> str:
    """A list of (day code, opens, closes)."""
    if len(value or []) > MAX_SESSIONS:
        raise ActionError(f"Give at most {MAX_SESSIONS} regular sessions", field="sessions")
    for day, opens, closes in value or []:
        if day not in ICAL_DAYS:
            raise ActionError(f"'{day}' is not a day of the week", field="sessions")
        if not (isinstance(opens, time) and isinstance(closes, time)):
            raise ActionError("Give the start and end time of each session", field="sessions")
        if opens >= closes:
            raise ActionError(
                f"{DAY_NAMES[ICAL_DAYS[day]][:-1]}: the session must end after it starts",
                field="sessions",
            )
    return _sessions_text(value or [])


def _sessions_parse(text: str) -> list[tuple[str, time, time]]:
    sessions = []
    for part in filter(None, text.split(";")):
        day, opens, closes = SESSION_RE.match(part).groups()
        sessions.append((day, time.fromisoformat(opens), time.fromisoformat(closes)))
    return sessions


def _sessions_show(text: str) -> str:
    shown = [
        describe_schedule(
            {"byday": day, "freq": "WEEKLY", "opens_at": o, "closes_at": c, "description": ""}
        )
        for day, o, c in _sessions_parse(text)
    ]
    return "\n".join(shown) or "(no regular sessions)"


def _sessions_apply(service: Service, text: str) -> set:
    service.schedules.all().delete()
    Schedule.objects.bulk_create(
        [
            Schedule(id=uuid7(), service=service, byday=day, opens_at=opens, closes_at=closes)
            for day, opens, closes in _sessions_parse(text)
        ]
    )
    return {service.pk}


# Cost


def _cost_now(service: Service) -> str | None:
    options = list(service.cost_options.all())
    if not options:
        return ""
    if len(options) == 1 and options[0].amount is not None:
        return f"{options[0].amount:.2f}"
    return None


def _cost_clean(value) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ActionError("Enter the cost like 3.50, or 0 if it is free", field="cost") from None
    if amount < 0 or amount >= 10_000:
        raise ActionError("Enter a cost from 0 to 9,999.99", field="cost")
    return f"{amount.quantize(Decimal('0.01')):.2f}"


def _cost_show(text: str) -> str:
    if not text:
        return "(not given)"
    return "Free" if Decimal(text) == 0 else f"£{text} a session"


def _cost_apply(service: Service, text: str) -> set:
    service.cost_options.all().delete()
    if text:
        amount = Decimal(text)
        CostOption.objects.create(
            id=uuid7(),
            service=service,
            amount=amount,
            option="Free" if amount == 0 else "per session",
        )
    service.is_free = bool(text) and Decimal(text) == 0
    return {service.pk}


# Who it is for: ages


def _ages_now(service: Service) -> str:
    return _ages_text(service.minimum_age, service.maximum_age)


def _ages_text(low, high) -> str:
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low}-{'' if high is None else high}"


def _ages_clean(value) -> str:
    """A (minimum, maximum) pair; either may be None."""
    low, high = value or (None, None)
    for age in (low, high):
        if age is not None and not 0 <= age <= 120:
            raise ActionError("Ages must be from 0 to 120", field="ages")
    if low is not None and high is not None and low > high:
        raise ActionError("The youngest age must not be more than the oldest", field="ages")
    return _ages_text(low, high)


def _ages_parse(text: str) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    low, high = text.split("-")
    return (int(low) if low else None), (int(high) if high else None)


def _ages_show(text: str) -> str:
    low, high = _ages_parse(text)
    if low is None and high is None:
        return "Any age"
    if high is None:
        return f"{low} and over"
    if low is None:
        return f"Up to {high}"
    return f"{low} to {high}"


def _ages_apply(service: Service, text: str) -> set:
    service.minimum_age, service.maximum_age = _ages_parse(text)
    return {service.pk}


# Who it helps: needs


def _needs_now(service: Service) -> str:
    return " ".join(
        sorted(
            t.need.code
            for t in service.terms.select_related("need").filter(taxonomy__name=NEEDS_TAXONOMY)
            if t.need
        )
    )


def _needs_clean(value) -> str:
    codes = sorted(set(value or []))
    known = set(Need.objects.filter(code__in=codes, active=True).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ActionError(f"'{unknown[0]}' is not something linkwork matches on", field="needs")
    return " ".join(codes)


def _needs_show(text: str) -> str:
    codes = text.split()
    labels = dict(Need.objects.filter(code__in=codes).values_list("code", "label"))
    return ", ".join(labels.get(c, c) for c in codes) or "(none)"


def _needs_apply(service: Service, text: str) -> set:
    service.terms.remove(*service.terms.filter(taxonomy__name=NEEDS_TAXONOMY))
    service.terms.add(
        *TaxonomyTerm.objects.filter(taxonomy__name=NEEDS_TAXONOMY, need__code__in=text.split())
    )
    return {service.pk}


# Step-free access at its venues


def _venues(service: Service) -> list[Location]:
    return [sal.location for sal in service.service_at_locations.select_related("location")]


def _access_now(service: Service) -> str | None:
    access = {loc.wheelchair_accessible for loc in _venues(service)}
    if len(access) != 1:
        return None  # no venue, or venues that differ: the editor's job
    return "yes" if access.pop() else "no"


def _access_clean(value) -> str:
    if value not in (True, False, "yes", "no"):
        raise ActionError("Say whether there is step-free access", field="wheelchair")
    return "yes" if value in (True, "yes") else "no"


def _access_apply(service: Service, text: str) -> set:
    venues = [loc.pk for loc in _venues(service)]
    Location.objects.filter(pk__in=venues).update(wheelchair_accessible=text == "yes")
    # The venue's other listings are step-free (or not) too.
    return set(
        Service.objects.filter(service_at_locations__location_id__in=venues).values_list(
            "id", flat=True
        )
    )


TEXT_FIELDS = [
    "name",
    "description",
    "application_process",
    "fees_description",
    "eligibility_description",
    "phone",
    "email",
    "url",
]
FIELDS = {
    f.name: f
    for f in [
        _text("name", "Name", limit=200, required=True),
        _text("description", "What happens there"),
        _text("application_process", "How to join"),
        _text("fees_description", "Cost, in words"),
        _text("eligibility_description", "Who it is for"),
        _text("phone", "Phone", limit=30),
        _text("email", "Email", limit=254),
        _text("url", "Website", limit=200),
        ListingField(
            "sessions", "Sessions", _sessions_now, _sessions_clean, _sessions_show, _sessions_apply
        ),
        ListingField("cost", "Cost a session", _cost_now, _cost_clean, _cost_show, _cost_apply),
        ListingField("ages", "Ages", _ages_now, _ages_clean, _ages_show, _ages_apply),
        ListingField("needs", "Helps with", _needs_now, _needs_clean, _needs_show, _needs_apply),
        ListingField(
            "wheelchair",
            "Step-free access",
            _access_now,
            _access_clean,
            lambda v: "Step-free access" if v == "yes" else "No step-free access",
            _access_apply,
        ),
    ]
}


def editable(service: Service) -> dict[str, str]:
    """Field name → value now, for the fields this listing can be edited through."""
    now = {name: f.current(service) for name, f in FIELDS.items()}
    return {name: value for name, value in now.items() if value is not None}
