"""The one search and matching engine: public pages, the link worker's "find activities"
and the JSON API all call `search()`.

The database narrows the field from the search index (`directory.search_index`): entries
in the grid cells around the place that meet a need or match the words (the text index is
asked about those cells alone) and pass free-only, step-free and age. Python applies the
rest of the person's hard constraints (`directory.constraints`: days and times, who it is
for), scores every candidate with a few sums, sorts, and writes reasons a person can read
for the page of results only. Results are exact: nothing inside the radius is left out,
however dense the place, and nothing that breaks a constraint is let in. Asked for, the
near misses (ADR 0011 §2) are the relevant listings breaking exactly one constraint, out
to half as far again, each with what does not fit.
"""

import re
from dataclasses import dataclass, field
from datetime import time
from time import monotonic

from django.db.models import Q

from directory import constraints, fulltext
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
PENALTY_FULL = 0.10
# A listing for a group the person may not be in (public searches do not know): shown,
# labelled, a little lower, unless their words name the group.
PENALTY_ELIGIBILITY_UNKNOWN = 0.10


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
    # ADR 0011: who the person is, where known. `sex` "female"/"male"/None; `groups` the
    # eligibility groups they are known to be in (None: not known, as on a public search).
    sex: str | None = None
    groups: set[str] | None = None
    # What matters to them and their goals (the link worker's search): weak extra words.
    context_text: str = ""
    # Also return the nearly-fitting listings, each with what does not fit.
    include_near: bool = False


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
    description: str = ""
    # Near misses only: what does not fit, a phrase a person can read
    # ("Thursdays 18:30–20:00 — not when you are free").
    does_not_fit: list[str] = field(default_factory=list)


@dataclass
class Result:
    matches: list[Match]
    total: int
    expanded_needs: list[str]
    near_misses: list[Match] = field(default_factory=list)
    # The place searched around when it came from the words ("choir in Daventry"):
    # {"name": "Daventry", "from": "words"}; None otherwise.
    place: dict | None = None


def search(query: Query) -> Result:
    words, synonym_needs = expand(query.text)
    wanted = sorted(set(query.needs) | synonym_needs)
    rank = _Ranker(query, wanted, words)
    near = []
    if query.include_near and query.latitude is not None:
        # One read of the widened field: what breaks nothing is a match (the same rows the
        # strict read gives), what breaks one thing a near miss.
        rows, near = _sort_out(_candidates(query, words, wanted, relaxed=True), rank)
    else:
        rows = rank.keep(_candidates(query, words, wanted))
        if query.include_near:
            # No place: the strict read is a sample of the directory, so the near misses
            # come from a read of their own.
            matched = {row[0] for row in rows}
            relaxed = _candidates(query, words, wanted, relaxed=True)
            near = _sort_out([row for row in relaxed if row[0] not in matched], rank)[1]
    scored = [(rank.score(row), row) for row in rows]
    scored.sort(key=lambda pair: (-pair[0], pair[1][KM] or 0, pair[1][NAME]))
    page = [
        rank.ranked(score, row) for score, row in scored[query.offset : query.offset + query.limit]
    ]
    # One set of look-ups for the page and the near misses together.
    described = _describe(page + near, query)
    return Result(described[: len(page)], len(scored), wanted, near_misses=described[len(page) :])


@dataclass
class _Ranked:
    key: int
    name: str
    score: float
    km: float | None
    needs_met: list[str]
    fits: bool | None  # None: the person gave no days or times, or there is no timetable
    capacity_available: int | None
    town: str
    row: tuple
    # Near misses: the constraint broken, as a code of `_Ranker.breaks`.
    breaks: list[str] = field(default_factory=list)


def _candidates(query: Query, words: list[str], wanted: list[str], relaxed=False) -> list[tuple]:
    """Rows of `_COLUMNS`, whether the words matched, and distance in km (None: no place)
    for the search entries passing the filters the database can apply, at the nearest
    place of each listing. With a place, the database reads only the grid cells around it
    (one index range per row of cells) and the text index answers for those cells alone.
    `relaxed` (near misses): free-only, step-free and age are left to Python, the radius
    widened by half, and each listing kept at its place that breaks fewest constraints."""
    entries = SearchEntry.objects.all()
    box = None
    radius = query.radius_km * (NEAR_RADIUS_FACTOR if relaxed else 1)
    if query.latitude is not None:
        box = Box.around(*bounding_box(query.latitude, query.longitude, radius))
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
    if not relaxed:
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
        # Unordered: a search with no place ranks a sample of a big directory. Days and
        # who-it-is-for are filtered in Python, so read enough rows to leave a full sample.
        limit = MAX_CANDIDATES * (4 if relaxed or _python_filters(query) else 1)
        return [(*row, row[0] in text_keys, None) for row in rows[:limit]]
    nearest: dict = {}
    lat, lon = query.latitude, query.longitude
    for row in rows:
        if row[1] is None:  # placeless
            km = None
        else:
            km = distance_km(lat, lon, row[1], row[2])
            if km > radius:
                continue
        candidate = (*row, row[0] in text_keys, km)
        seen = nearest.get(row[0])
        if seen is None or _better_place(candidate, seen, query, relaxed):
            nearest[row[0]] = candidate
    return list(nearest.values())


def _python_filters(query: Query) -> bool:
    return bool(query.days or query.from_time or query.to_time or query.sex or query.groups)


def _better_place(candidate: tuple, seen: tuple, query: Query, relaxed: bool) -> bool:
    if relaxed:
        # The place that breaks fewest of the place's own constraints, then the nearest.
        a, b = _place_breaks(candidate, query), _place_breaks(seen, query)
        if a != b:
            return a < b
    return candidate[KM] is not None and (seen[KM] is None or candidate[KM] < seen[KM])


def _place_breaks(row: tuple, query: Query) -> int:
    too_far = row[KM] is not None and row[KM] > query.radius_km
    return int(too_far) + int(query.wheelchair and not row[WHEELCHAIR])


_COLUMNS = (
    "key",
    "latitude",
    "longitude",
    "needs",
    "slots",
    "capacity_available",
    "name",
    "town",
    "is_free",
    "wheelchair",
    "minimum_age",
    "maximum_age",
    "eligibility",
)
# Candidate rows are _COLUMNS, then whether the words matched, then km (None: no place).
NAME, NEEDS, SLOTS, CAPACITY, TOWN, IS_FREE, WHEELCHAIR, MIN_AGE, MAX_AGE, ELIGIBILITY = (
    _COLUMNS.index(c)
    for c in (
        "name",
        "needs",
        "slots",
        "capacity_available",
        "town",
        "is_free",
        "wheelchair",
        "minimum_age",
        "maximum_age",
        "eligibility",
    )
)
TEXT_HIT, KM = len(_COLUMNS), len(_COLUMNS) + 1
# Near misses: how far past the radius they may be, and how many are shown.
NEAR_RADIUS_FACTOR = 1.5
NEAR_LIMIT = 10
# Words that name an eligibility group: a person who names it is not demoted for it.
GROUP_WORDS = {
    "carers": {"carer", "carers", "caring"},
    "parents": {"parent", "parents", "mum", "mums", "dad", "dads", "baby", "babies"},
    "veterans": {"veteran", "veterans", "forces"},
    "dementia": {"dementia", "alzheimers"},
}
GROUP_NEEDS = {"carers": "carer", "parents": "new-parent"}


class _Ranker:
    """Scores candidate rows (`_COLUMNS` plus km) with a few sums: it runs for every
    listing inside the radius, so it stays cheap, and remembers whether each distinct
    timetable fits the person's days and times."""

    def __init__(self, query: Query, wanted: list[str], words=()):
        self.query = query
        self.wanted = [(code, f" {code} ") for code in wanted]
        self.timed = bool(query.days or query.from_time or query.to_time)
        self.fit_by_slots: dict[str, bool | None] = {}
        self.exact: dict[int, bool] = {}  # keys of coarse timetables, checked on their schedules
        self.named_groups = {g for g, names in GROUP_WORDS.items() if names & set(words)} | {
            g for g, need in GROUP_NEEDS.items() if need in wanted
        }

    def met(self, needs: str) -> list[str]:
        return [code for code, padded in self.wanted if padded in needs]

    def fits(self, slots: str, key: int | None = None) -> bool | None:
        """None when the person gave no days or times, or the activity has no timetable."""
        if not self.timed or not slots:
            return None
        if key in self.exact:
            return self.exact[key]
        if slots not in self.fit_by_slots:
            q = self.query
            self.fit_by_slots[slots] = constraints.slots_fit(slots, q.days, q.from_time, q.to_time)
        return self.fit_by_slots[slots]

    def eligibility(self, stored: str) -> constraints.Eligibility:
        return constraints.check_eligibility(
            constraints.decode_eligibility(stored), self.query.sex, self.query.groups
        )

    def breaks(self, row: tuple) -> list[str]:
        """The constraints this row breaks, as codes: distance, schedule, free, step-free,
        age, eligibility."""
        q = self.query
        broken = []
        if row[KM] is not None and row[KM] > q.radius_km:
            broken.append("distance")
        if self.fits(row[SLOTS], row[0]) is False:
            broken.append("schedule")
        if q.free_only and not row[IS_FREE]:
            broken.append("free")
        if q.wheelchair and not row[WHEELCHAIR]:
            broken.append("step-free")
        if not constraints.age_fits(q.age, row[MIN_AGE], row[MAX_AGE]):
            broken.append("age")
        if row[ELIGIBILITY] and self.eligibility(row[ELIGIBILITY]).breaks:
            broken.append("eligibility")
        return broken

    def keep(self, rows: list[tuple]) -> list[tuple]:
        """The rows passing what the database could not check: days and times, and who
        the listing is for."""
        self.check_coarse(rows)
        kept = [
            row
            for row in rows
            if self.fits(row[SLOTS], row[0]) is not False
            and not (row[ELIGIBILITY] and self.eligibility(row[ELIGIBILITY]).breaks)
        ]
        return kept if self.query.latitude is not None else kept[:MAX_CANDIDATES]

    def check_coarse(self, rows: list[tuple]) -> None:
        """Timetables too busy to store exactly (some forty separate sessions a week) pass
        the stored check too easily: ask their schedules."""
        if not self.timed:
            return
        keys = {row[0] for row in rows if constraints.is_coarse(row[SLOTS])} - set(self.exact)
        if not keys:
            return
        service_keys = dict(
            SearchEntry.objects.filter(key__in=keys).values_list("service_id", "key").distinct()
        )
        q = self.query
        fitting = {
            service_keys[s["service_id"]]
            for s in Schedule.objects.filter(service_id__in=service_keys).values(
                "service_id", "byday", "opens_at", "closes_at"
            )
            if constraints.schedule_fits(s, q.days, q.from_time, q.to_time)
        }
        self.exact |= {key: key in fitting for key in keys}

    def score(self, row: tuple) -> float:
        score = 0.0
        if self.wanted:
            met = sum(1 for _, padded in self.wanted if padded in row[NEEDS])
            score += WEIGHT_NEED * met / len(self.wanted)
        if row[TEXT_HIT]:
            score += WEIGHT_TEXT
        if row[KM] is not None:
            score += WEIGHT_DISTANCE / (1 + row[KM] / 2)
        fits = self.fits(row[SLOTS], row[0])
        if fits is True:
            score += WEIGHT_SCHEDULE_FIT
        elif fits is None and self.timed:
            score += WEIGHT_SCHEDULE_FIT / 2  # no timetable: times to arrange
        if row[CAPACITY] == 0:
            score -= PENALTY_FULL
        if row[ELIGIBILITY] and set(self.eligibility(row[ELIGIBILITY]).unknown) - self.named_groups:
            score -= PENALTY_ELIGIBILITY_UNKNOWN
        return round(score, 4)

    def ranked(self, score: float, row: tuple, breaks=()) -> "_Ranked":
        return _Ranked(
            row[0],
            row[NAME],
            score,
            row[KM],
            self.met(row[NEEDS]),
            self.fits(row[SLOTS], row[0]),
            row[CAPACITY],
            row[TOWN],
            row,
            list(breaks),
        )


def _sort_out(rows: list[tuple], rank: _Ranker) -> tuple[list[tuple], list[_Ranked]]:
    """Rows breaking none of the person's constraints, and the best of those breaking
    exactly one (the near misses), ranked."""
    rank.check_coarse(rows)
    fitting, near = [], []
    for row in rows:
        broken = rank.breaks(row)
        if not broken:
            fitting.append(row)
        elif len(broken) == 1:
            near.append((rank.score(row), row, broken))
    near.sort(key=lambda n: (-n[0], n[1][KM] or 0, n[1][NAME]))
    return fitting, [rank.ranked(score, row, broken) for score, row, broken in near[:NEAR_LIMIT]]


def _describe(page: list[_Ranked], query: Query) -> list[Match]:
    """Reasons a person can read, for the page of results and the near misses only."""
    if not page:
        return []
    services = {
        row["search_document__key"]: row
        for row in Service.objects.filter(search_document__key__in=[r.key for r in page]).values(
            "id", "search_document__key", "is_free", "fees_description", "description"
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
    timed = bool(query.days or query.from_time or query.to_time)
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
        elif when:
            reasons.append(when[0])
        elif timed:
            reasons.append("times to arrange")
        cost = describe_cost(costs.get(sid, []), service["is_free"], service["fees_description"])
        reasons.append(cost.lower() if cost == "Free" else cost)
        eligibility = constraints.check_eligibility(
            constraints.decode_eligibility(r.row[ELIGIBILITY]), query.sex, query.groups
        )
        # Who it is for, where the person's details do not settle it.
        reasons += [
            constraints.GROUP_LABELS[g]
            for g in constraints.decode_eligibility(r.row[ELIGIBILITY])
            if g in eligibility.unknown or (g in constraints.SEX_OF_GROUP and not query.sex)
        ]
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
                description=shorten(service["description"]),
                does_not_fit=[
                    _does_not_fit(b, r, query, when, cost, eligibility) for b in r.breaks
                ],
            )
        )
    return matches


def _does_not_fit(broken: str, r: _Ranked, query: Query, when, cost, eligibility) -> str:
    """What does not fit, as a person would say it."""
    if broken == "distance":
        return f"{r.km:.1f} km — further than {query.radius_km:g} km"
    if broken == "schedule":
        return f"{' and '.join(when[:2]) or 'Its times'} — not when you are free"
    if broken == "free":
        return f"{cost} — not free" if cost.startswith("£") else "not free"
    if broken == "step-free":
        return "no step-free access"
    if broken == "age":
        return constraints.age_label(r.row[MIN_AGE], r.row[MAX_AGE])
    return ", ".join(constraints.GROUP_LABELS[g] for g in eligibility.breaks)


DESCRIPTION_CHARS = 200


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """A description cut for a card: whole words, and an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


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
    return constraints.weekdays(byday)


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
    return constraints.schedule_fits(s, query.days, query.from_time, query.to_time)


def describe_cost(costs: list[dict], is_free: bool, fees: str) -> str:
    if is_free:
        return "Free"
    priced = [c for c in costs if c["amount"] is not None]
    if priced:
        cheapest = min(priced, key=lambda c: c["amount"])
        text = f"£{cheapest['amount']:.2f}"
        return f"{text} {cheapest['option']}".strip() if cheapest["option"] else text
    return fees or (costs[0]["option"] if costs else "Ask the organiser")
