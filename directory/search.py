"""The one search and matching engine: public pages, the link worker's "find activities"
and the JSON API all call `search()`.

The database narrows the field from the search index (`directory.search_index`): entries
in the grid cells around the place that meet a need or match the words (the text index is
asked about those cells alone) and pass free-only, step-free and age. Python then scores
every candidate with a few sums, sorts, and writes reasons a person can read for the page
of results only. Results are exact: nothing inside the radius is left out, however dense
the place.
"""

import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from time import monotonic

from django.db.models import Q

from directory import fulltext
from directory.models import CostOption, Schedule, SearchEntry, Service, Synonym
from geography.grid import Box
from geography.lookup import bounding_box, distance_km
from referrals.models import Need

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
# A search with no place is ranked over at most this many listings (a county has ~3,000).
MAX_CANDIDATES = 5000

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
    wanted = sorted(set(query.needs) | synonym_needs)
    rank = _Ranker(query, wanted)
    scored = [(rank.score(row), row) for row in _candidates(query, words, wanted)]
    scored.sort(key=lambda pair: (-pair[0], pair[1][KM] or 0, pair[1][NAME]))
    page = [
        rank.ranked(score, row) for score, row in scored[query.offset : query.offset + query.limit]
    ]
    return Result(_describe(page, query, wanted), len(scored), wanted)


@dataclass
class _Ranked:
    key: int
    name: str
    score: float
    km: float | None
    needs_met: list[str]
    fits: bool | None  # None: the person gave no days or times
    capacity_available: int | None
    town: str


def _candidates(query: Query, words: list[str], wanted: list[str]) -> list[tuple]:
    """Rows of `_COLUMNS`, whether the words matched, and distance in km (None: no place)
    for the search entries
    passing every filter, at the nearest place of each listing. With a
    place, the database reads only the grid cells around it (one index range per row of
    cells) and the text index answers for those cells alone."""
    entries = SearchEntry.objects.all()
    box = None
    if query.latitude is not None:
        box = Box.around(*bounding_box(query.latitude, query.longitude, query.radius_km))
        # One list of cells (an index-only scan on PostgreSQL, where ranges OR'ed together
        # would need the table too); listings with no place fit anywhere.
        entries = entries.filter(cell__in=[*box.cells(), SearchEntry.PLACELESS])
    if query.area_id is not None:
        entries = entries.filter(area_id=query.area_id)
    text_keys = fulltext.matching_keys(words, box.search_tokens() if box else None)
    fit = Q()
    for code in wanted:
        fit |= Q(needs__contains=f" {code} ")
    if text_keys:
        fit |= Q(key__in=fulltext.one_of(text_keys))
    elif words and not wanted:
        return []  # only words were given, and nothing nearby has them
    if fit:
        entries = entries.filter(fit)
    if query.free_only:
        entries = entries.filter(is_free=True)
    if query.wheelchair:
        entries = entries.filter(wheelchair=True)
    if query.age is not None:
        entries = entries.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    rows = entries.values_list(*_COLUMNS).order_by()
    if box is None:
        return [(*row, row[0] in text_keys, None) for row in rows[:MAX_CANDIDATES]]
    nearest: dict = {}
    lat, lon, radius = query.latitude, query.longitude, query.radius_km
    for row in rows:
        if row[1] is None:  # placeless
            km = None
        else:
            km = distance_km(lat, lon, row[1], row[2])
            if km > radius:
                continue
        seen = nearest.get(row[0])
        if seen is None or (km is not None and km < seen[-1]):
            nearest[row[0]] = (*row, row[0] in text_keys, km)
    return list(nearest.values())


_COLUMNS = (
    "key",
    "latitude",
    "longitude",
    "needs",
    "slots",
    "capacity_available",
    "name",
    "town",
)
# Candidate rows are _COLUMNS, then whether the words matched, then km (None: no place).
NAME, KM = _COLUMNS.index("name"), len(_COLUMNS) + 1


class _Ranker:
    """Scores candidate rows (`_COLUMNS` plus km) with a few sums: it runs for every
    listing inside the radius, so it stays cheap, and remembers whether each distinct
    timetable fits the person's days and times."""

    def __init__(self, query: Query, wanted: list[str]):
        self.query = query
        self.wanted = [(code, f" {code} ") for code in wanted]
        self.timed = bool(query.days or query.from_time or query.to_time)
        self.fit_by_slots: dict[str, bool | None] = {}

    def met(self, needs: str) -> list[str]:
        return [code for code, padded in self.wanted if padded in needs]

    def fits(self, slots: str) -> bool | None:
        """None when the person gave no days or times, or the activity has no timetable."""
        if not self.timed or not slots:
            return None
        if slots not in self.fit_by_slots:
            self.fit_by_slots[slots] = any(_fits(s, self.query) for s in _sessions(slots))
        return self.fit_by_slots[slots]

    def score(self, row: tuple) -> float:
        _, _, _, needs, slots, capacity, _, _, text_hit, km = row
        score = 0.0
        if self.wanted:
            met = sum(1 for _, padded in self.wanted if padded in needs)
            score += WEIGHT_NEED * met / len(self.wanted)
        if text_hit:
            score += WEIGHT_TEXT
        if km is not None:
            score += WEIGHT_DISTANCE / (1 + km / 2)
        fits = self.fits(slots)
        if fits is True:
            score += WEIGHT_SCHEDULE_FIT
        elif fits is False:
            score -= PENALTY_SCHEDULE_CLASH
        if capacity == 0:
            score -= PENALTY_FULL
        return round(score, 4)

    def ranked(self, score: float, row: tuple) -> "_Ranked":
        key, _, _, needs, slots, capacity, name, town, _, km = row
        return _Ranked(key, name, score, km, self.met(needs), self.fits(slots), capacity, town)


@lru_cache(maxsize=4096)
def _sessions(slots: str) -> tuple[dict, ...]:
    """'MO,WE|1000|1200;1FR|1800|' → the schedule fields `_fits` looks at."""
    sessions = []
    for part in filter(None, slots.split(";")):
        byday, opens, closes = part.split("|")
        sessions.append(
            {
                "byday": byday,
                "opens_at": time(int(opens[:2]), int(opens[2:])) if opens else None,
                "closes_at": time(int(closes[:2]), int(closes[2:])) if closes else None,
            }
        )
    return tuple(sessions)


def _describe(page: list[_Ranked], query: Query, wanted: list[str]) -> list[Match]:
    """Reasons a person can read, for the page of results only."""
    if not page:
        return []
    services = {
        row["search_document__key"]: row
        for row in Service.objects.filter(search_document__key__in=[r.key for r in page]).values(
            "id", "search_document__key", "is_free", "fees_description"
        )
    }
    ids = [s["id"] for s in services.values()]
    schedules = _schedules(ids)
    costs = _costs(ids)
    labels = dict(
        Need.objects.filter(code__in={c for r in page for c in r.needs_met}).values_list(
            "code", "label"
        )
    )
    matches = []
    for r in page:
        service = services[r.key]
        sid = service["id"]
        reasons = []
        if r.needs_met:
            reasons.append("meets: " + ", ".join(sorted(labels[c].lower() for c in r.needs_met)))
        if r.km is not None:
            reasons.append(f"{r.km:.1f} km")
        own = schedules.get(sid, [])
        when = [describe_schedule(s) for s in own]
        if r.fits is True:
            fitting = next((s for s in own if _fits(s, query)), own[0])
            reasons.append(f"{describe_schedule(fitting)} — you are free")
        elif r.fits is False and when:
            reasons.append(f"{when[0]} — not when you are free")
        elif when:
            reasons.append(when[0])
        cost = describe_cost(costs.get(sid, []), service["is_free"], service["fees_description"])
        reasons.append(cost.lower() if cost == "Free" else cost)
        if r.capacity_available == 0:
            reasons.append("full — join the waiting list")
        elif r.capacity_available:
            n = r.capacity_available
            reasons.append(f"{n} place{'s' if n != 1 else ''} left")
        matches.append(
            Match(
                sid,
                r.name,
                r.score,
                None if r.km is None else round(r.km, 2),
                reasons,
                r.capacity_available == 0,
                when,
                cost,
                r.town,
            )
        )
    return matches


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
