"""The one search and matching engine: public pages, the link worker's "find activities"
and the JSON API all call `search()`.

The database narrows the field (published, in the box around the place, meeting a need or
matching the words, free, step-free, right age); Python then scores what is left with
reasons a person can read.
"""

import re
from dataclasses import dataclass, field
from datetime import time
from time import monotonic

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value

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
MAX_NEARBY = 500  # the most listings near a place considered for one query

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
    places = nearby(query)
    best = {row["id"]: row for row in listings(query, words, wanted_needs, places)}
    if not best:
        return Result([], 0, wanted_needs)
    ids = list(best)
    if query.latitude is None:
        places = {
            sid: (None, city)
            for sid, city in ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
                "service_id", "location__city"
            )
        }
    needs_met = _needs_met(ids, wanted_needs)
    schedules = _schedules(ids)
    costs = _costs(ids)
    matches = [
        _score(
            row,
            query,
            wanted_needs,
            needs_met.get(service_id, []),
            row["text_hit"],
            places.get(service_id, (None, "")),
            schedules.get(service_id, []),
            costs.get(service_id, []),
        )
        for service_id, row in best.items()
    ]
    matches.sort(
        key=lambda m: (-m.score, m.distance_km if m.distance_km is not None else 0, m.name)
    )
    return Result(matches[query.offset : query.offset + query.limit], len(matches), wanted_needs)


SYNONYM_CACHE_SECONDS = 60
_synonyms: tuple[float, list] = (0.0, [])


def synonyms() -> list[tuple[str, set[str], set[str]]]:
    """(phrase, words, needs) for every synonym, cached briefly: matching runs on every
    keystroke of a search and the list changes only when an editor edits it."""
    global _synonyms
    loaded_at, cached = _synonyms
    if monotonic() - loaded_at > SYNONYM_CACHE_SECONDS:
        cached = [
            (s.phrase, set(s.expands_to.split()), {n.code for n in s.needs.all()})
            for s in Synonym.objects.prefetch_related("needs")
        ]
        _synonyms = (monotonic(), cached)
    return cached


def forget_synonyms() -> None:
    global _synonyms
    _synonyms = (0.0, [])


def expand(text: str) -> tuple[list[str], set[str]]:
    """Residents' words → search words and needs, through the synonyms table."""
    normal = " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
    if not normal:
        return [], set()
    padded = f" {normal} "
    words = set(fulltext.words(normal))
    needs: set[str] = set()
    for phrase, extra_words, extra_needs in synonyms():
        if f" {phrase} " in padded:
            words |= extra_words
            needs |= extra_needs
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


def nearby_rows(query: Query, radius_km: float | None = None):
    """Listings at locations inside the box around the place, found through the
    (latitude, longitude) index; None when the search has no place."""
    if query.latitude is None:
        return None
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(
        query.latitude, query.longitude, radius_km or query.radius_km
    )
    rows = ServiceAtLocation.objects.filter(
        location__latitude__range=(lat_lo, lat_hi), location__longitude__range=(lon_lo, lon_hi)
    )
    if query.wheelchair:
        rows = rows.filter(location__wheelchair_accessible=True)
    return rows.values_list(
        "service_id", "location__latitude", "location__longitude", "location__city"
    ).order_by()


def nearby(query: Query) -> dict:
    """service id → (km, town) of its nearest location within the radius, at most the
    nearest MAX_NEARBY; {} without a place.

    A third of the radius is tried first: in a city it already holds the nearest
    MAX_NEARBY, and then nothing farther can be among them, so the wide box is never read.
    """
    if query.latitude is None:
        return {}
    inner = query.radius_km / 3
    for radius in (inner, query.radius_km):
        best: dict = {}
        for service_id, lat, lon, city in nearby_rows(query, radius):
            km = distance_km(query.latitude, query.longitude, lat, lon)
            if km <= radius and (service_id not in best or km < best[service_id][0]):
                best[service_id] = (km, city)
        if len(best) >= MAX_NEARBY:
            break
    # In the densest cities, rank only the nearest: they are the ones people go to.
    return dict(sorted(best.items(), key=lambda item: item[1][0])[:MAX_NEARBY])


def listings_queryset(query: Query, words: list[str], needs: list[str], ids=None):
    """Published listings passing every filter, with whether the words matched. `ids`
    limits them to those near the place (plus those with no place at all)."""
    services = Service.objects.public()
    if query.area_id is not None:
        services = services.filter(area_id=query.area_id)
    if ids is not None:
        ids = list(ids)
        if not query.wheelchair:
            # Telephone and online listings fit any place.
            ids += list(Service.objects.filter(placeless=True).values_list("id", flat=True))
        services = services.filter(id__in=ids)
        # Near a place the candidates are few: ask the text index about them alone.
        text_ids = list(fulltext.hits_among(ids, words)) if words else None
    else:
        text_ids = fulltext.matching_ids(words)
    fit = Q()
    if needs:
        fit |= Q(
            Exists(
                Service.terms.through.objects.filter(
                    service_id=OuterRef("id"), taxonomyterm__need__code__in=needs
                )
            )
        )
    if text_ids is not None:
        fit |= Q(id__in=text_ids)
    if fit:
        services = services.filter(fit)
    if query.free_only:
        services = services.filter(is_free=True)
    if query.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    text_hit = (
        ExpressionWrapper(Q(id__in=text_ids), output_field=BooleanField())
        if text_ids is not None
        else Value(False)
    )
    return (
        services.annotate(text_hit=text_hit)
        .values(
            "id",
            "name",
            "is_free",
            "capacity_available",
            "fees_description",
            "placeless",
            "text_hit",
        )
        .order_by()[:MAX_CANDIDATES]
    )


def listings(query: Query, words: list[str], needs: list[str], places: dict) -> list[dict]:
    ids = None if query.latitude is None else places.keys()
    return list(listings_queryset(query, words, needs, ids))


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
