"""The one search and matching engine: public pages, the link worker's "find activities"
and the JSON API all call `search()`.

The database narrows the field (published, in the box around the place, meeting a need or
matching the words, free, step-free, right age); Python then scores what is left with
reasons a person can read.
"""

import re
from dataclasses import dataclass, field
from datetime import time

from django.db.models import Q

from directory import fulltext
from directory.models import CostOption, Schedule, Service, ServiceAtLocation, Synonym
from geography.lookup import bounding_box, distance_km

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ICAL_DAYS = {
    "MO": "mon",
    "TU": "tue",
    "WE": "wed",
    "TH": "thu",
    "FR": "fri",
    "SA": "sat",
    "SU": "sun",
}
DAY_NAMES = {
    "mon": "Mondays",
    "tue": "Tuesdays",
    "wed": "Wednesdays",
    "thu": "Thursdays",
    "fri": "Fridays",
    "sat": "Saturdays",
    "sun": "Sundays",
}
DEFAULT_RADIUS_KM = 10.0
MAX_CANDIDATES = 5000  # the most rows scored in Python for one query

WEIGHT_NEED = 0.40
WEIGHT_TEXT = 0.20
WEIGHT_DISTANCE = 0.25
WEIGHT_SCHEDULE_FIT = 0.15
PENALTY_SCHEDULE_CLASH = 0.30
PENALTY_FULL = 0.10


@dataclass
class Query:
    needs: list[str] = field(default_factory=list)
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    days: list[str] = field(default_factory=list)
    from_time: time | None = None
    to_time: time | None = None
    free_only: bool = False
    wheelchair: bool = False
    age: int | None = None
    limit: int = 20
    offset: int = 0
    area_id: object = None  # staff searches stay in their area; public ones do not


@dataclass
class Match:
    service_id: object
    name: str
    score: float
    distance_km: float | None
    reasons: list[str]
    full: bool
    when: list[str]
    cost: str
    town: str


@dataclass
class Result:
    matches: list[Match]
    total: int
    expanded_needs: list[str]


def search(query: Query) -> Result:
    words, synonym_needs = expand(query.text)
    wanted_needs = sorted(set(query.needs) | synonym_needs)
    services = _candidates(query, words, wanted_needs)
    rows = list(
        services.values(
            "id",
            "name",
            "is_free",
            "capacity_available",
            "minimum_age",
            "maximum_age",
            "fees_description",
        )[:MAX_CANDIDATES]
    )
    if not rows:
        return Result([], 0, wanted_needs)
    ids = [row["id"] for row in rows]
    places = _nearest_places(ids, query)
    if query.latitude is not None:
        rows = [
            row for row in rows if row["id"] in places and places[row["id"]][0] <= query.radius_km
        ]
        ids = [row["id"] for row in rows]
    needs_met = _needs_met(ids, wanted_needs)
    text_hits = _text_hits(ids, words)
    schedules = _schedules(ids)
    costs = _costs(ids)
    matches = [
        _score(
            row,
            query,
            wanted_needs,
            needs_met.get(row["id"], []),
            row["id"] in text_hits,
            places.get(row["id"]),
            schedules.get(row["id"], []),
            costs.get(row["id"], []),
        )
        for row in rows
    ]
    matches.sort(
        key=lambda m: (-m.score, m.distance_km if m.distance_km is not None else 0, m.name)
    )
    return Result(matches[query.offset : query.offset + query.limit], len(matches), wanted_needs)


def expand(text: str) -> tuple[list[str], set[str]]:
    """Residents' words → search words and needs, through the synonyms table."""
    normal = " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
    if not normal:
        return [], set()
    padded = f" {normal} "
    words = set(fulltext.words(normal))
    needs: set[str] = set()
    for synonym in Synonym.objects.prefetch_related("needs"):
        if f" {synonym.phrase} " in padded:
            words |= set(synonym.expands_to.split())
            needs |= {n.code for n in synonym.needs.all()}
    return sorted(words - STOP_WORDS), needs


STOP_WORDS = {
    "and",
    "the",
    "for",
    "with",
    "near",
    "me",
    "my",
    "in",
    "of",
    "to",
    "a",
    "an",
    "i",
    "im",
    "am",
    "is",
    "it",
    "on",
    "at",
    "some",
    "something",
    "group",
    "groups",
}


def _candidates(query: Query, words: list[str], needs: list[str]):
    services = Service.objects.public()
    if query.area_id is not None:
        services = services.filter(area_id=query.area_id)
    if query.latitude is not None:
        lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(
            query.latitude, query.longitude, query.radius_km
        )
        services = services.filter(
            id__in=ServiceAtLocation.objects.filter(
                location__latitude__range=(lat_lo, lat_hi),
                location__longitude__range=(lon_lo, lon_hi),
            ).values("service_id")
        )
    fit = Q()
    if needs:
        fit |= Q(
            id__in=Service.terms.through.objects.filter(taxonomyterm__need__code__in=needs).values(
                "service_id"
            )
        )
    text_ids = fulltext.matching_ids(words)
    if text_ids is not None:
        fit |= Q(id__in=text_ids)
    if fit:
        services = services.filter(fit)
    if query.free_only:
        services = services.filter(is_free=True)
    if query.wheelchair:
        services = services.filter(
            id__in=ServiceAtLocation.objects.filter(location__wheelchair_accessible=True).values(
                "service_id"
            )
        )
    if query.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    return services.order_by()


def _nearest_places(ids, query) -> dict:
    """service id → (distance km or None, town) of its nearest location."""
    best: dict = {}
    rows = ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
        "service_id", "location__latitude", "location__longitude", "location__city"
    )
    for service_id, lat, lon, city in rows:
        if query.latitude is None or lat is None:
            best.setdefault(service_id, (None, city))
            continue
        km = distance_km(query.latitude, query.longitude, lat, lon)
        if service_id not in best or best[service_id][0] is None or km < best[service_id][0]:
            best[service_id] = (km, city)
    return best


def _needs_met(ids, wanted) -> dict:
    if not wanted:
        return {}
    met: dict = {}
    rows = Service.terms.through.objects.filter(
        service_id__in=ids, taxonomyterm__need__code__in=wanted
    ).values_list("service_id", "taxonomyterm__need__code", "taxonomyterm__need__label")
    for service_id, code, label in rows:
        met.setdefault(service_id, {})[code] = label.lower()
    return {k: sorted(v.values()) for k, v in met.items()}


def _text_hits(ids, words) -> set:
    subquery = fulltext.matching_ids(words)
    if subquery is None:
        return set()
    return set(
        Service.objects.filter(id__in=ids).filter(id__in=subquery).values_list("id", flat=True)
    )


def _schedules(ids) -> dict:
    grouped: dict = {}
    for s in Schedule.objects.filter(service_id__in=ids).values(
        "service_id", "freq", "byday", "opens_at", "closes_at", "description"
    ):
        grouped.setdefault(s["service_id"], []).append(s)
    return grouped


def _costs(ids) -> dict:
    grouped: dict = {}
    for c in CostOption.objects.filter(service_id__in=ids).values(
        "service_id", "amount", "option", "amount_description"
    ):
        grouped.setdefault(c["service_id"], []).append(c)
    return grouped


def schedule_days(byday: str) -> list[str]:
    """'MO,WE' → ['mon', 'wed']; '1FR' (first Friday) → ['fri']."""
    days = []
    for part in (byday or "").upper().split(","):
        code = re.sub(r"^[+-]?\d+", "", part.strip())
        if code in ICAL_DAYS:
            days.append(ICAL_DAYS[code])
    return days


def describe_schedule(s: dict) -> str:
    days = schedule_days(s["byday"])
    if not days:
        return s["description"] or ""
    ordinal = re.match(r"^([+-]?\d+)", s["byday"].strip())
    when = " and ".join(DAY_NAMES[d] for d in days)
    if ordinal and s["freq"] == "MONTHLY":
        nth = {"1": "First", "2": "Second", "3": "Third", "4": "Fourth", "-1": "Last"}.get(
            ordinal.group(1), ordinal.group(1)
        )
        when = f"{nth} {DAY_NAMES[days[0]][:-1]} of the month"
    if s["opens_at"]:
        when += f" {s['opens_at']:%H:%M}"
        if s["closes_at"]:
            when += f"–{s['closes_at']:%H:%M}"
    return when


def _fits(s: dict, query: Query) -> bool:
    days = schedule_days(s["byday"])
    if query.days and not set(days) & set(query.days):
        return False
    if query.from_time and s["opens_at"] and s["opens_at"] < query.from_time:
        return False
    return not (query.to_time and s["closes_at"] and s["closes_at"] > query.to_time)


def describe_cost(costs: list[dict], is_free: bool, fees: str) -> str:
    if is_free:
        return "Free"
    priced = [c for c in costs if c["amount"] is not None]
    if priced:
        cheapest = min(priced, key=lambda c: c["amount"])
        text = f"£{cheapest['amount']:.2f}"
        return f"{text} {cheapest['option']}".strip() if cheapest["option"] else text
    return fees or (costs[0]["option"] if costs else "Ask the organiser")


def _score(row, query, wanted, met, text_hit, place, schedules, costs) -> Match:
    reasons = []
    score = 0.0
    if wanted:
        score += WEIGHT_NEED * len(met) / len(wanted)
    if met:
        reasons.append("meets: " + ", ".join(met))
    if text_hit:
        score += WEIGHT_TEXT
    km, town = place if place else (None, "")
    if km is not None:
        score += WEIGHT_DISTANCE / (1 + km / 2)
        reasons.append(f"{km:.1f} km")
    when = [describe_schedule(s) for s in schedules]
    if query.days or query.from_time or query.to_time:
        fitting = [s for s in schedules if _fits(s, query)]
        if fitting:
            score += WEIGHT_SCHEDULE_FIT
            reasons.append(f"{describe_schedule(fitting[0])} — you are free")
        elif schedules:
            score -= PENALTY_SCHEDULE_CLASH
            reasons.append(f"{when[0]} — not when you are free")
    elif when:
        reasons.append(when[0])
    cost = describe_cost(costs, row["is_free"], row["fees_description"])
    reasons.append(cost.lower() if cost == "Free" else cost)
    full = row["capacity_available"] == 0
    if full:
        score -= PENALTY_FULL
        reasons.append("full — join the waiting list")
    elif row["capacity_available"]:
        n = row["capacity_available"]
        reasons.append(f"{n} place{'s' if n != 1 else ''} left")
    return Match(
        row["id"],
        row["name"],
        round(score, 4),
        None if km is None else round(km, 2),
        reasons,
        full,
        when,
        cost,
        town or "",
    )
