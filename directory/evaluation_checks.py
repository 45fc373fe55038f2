"""A plain checker of the hard constraints, for the evaluation (ADR 0011 §6).

It reads each listing's own rows (Service, its locations, schedules and costs, its
eligibility terms) and decides, with its own few lines, whether the listing breaks what the
person asked for. It shares no code with the engine's filters (`directory.search`,
`directory.constraints`) or the search index: a constraint the engine got wrong is then
counted as broken instead of being agreed with.

Rules (issue 16): distance by haversine from the query's place to the listing's nearest
place with coordinates (a listing with no place at all, such as a telephone service, fits
anywhere); days and times: some session on a day the person is free whose
[opens, closes) overlaps their [from, to) (a monthly "second Tuesday" counts as Tuesday; a
session without times fits any time of its day; a listing with no timetable fits);
free only: every cost free; step-free: a step-free place among those in reach (placeless
fits); age: inside the listing's range; sex: a listing only for men or only for women,
when the person's sex is given; who it is for: a listing only for carers, parents of young
children, veterans or people with dementia (and their carers), when the groups the person
is in are known (the link worker's search) and none of them is among those. Its group
words are its own, plainer than the engine's (`constraints.ELIGIBILITY_PHRASES`, with
hedges and "open to all"), on purpose: an independent oracle, not a second engine.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import time

from directory.models import CostOption, Schedule, Service, ServiceAtLocation

RADIUS, TIMES, FREE, STEP_FREE, AGE, SEX, MEMBERSHIP = (
    "radius",
    "days/times",
    "free only",
    "step-free",
    "age",
    "sex",
    "who it is for",
)
ELIGIBILITY_TAXONOMY = "linkwork-eligibility"
_WEEKDAYS = {
    "MO": "mon",
    "TU": "tue",
    "WE": "wed",
    "TH": "thu",
    "FR": "fri",
    "SA": "sat",
    "SU": "sun",
}
# Conservative: only plain statements that a listing is for one sex; a text naming both
# (men and women, mums and dads) restricts nothing.
_MEN = r"men|males?|dads|fathers|gentlemen|boys"
_WOMEN = r"women|females?|mums|mothers|ladies|girls"
_MEN_ONLY = re.compile(rf"\b({_MEN})\s+only\b|\bonly\s+for\s+({_MEN})\b|\bfor\s+({_MEN})\b")
_WOMEN_ONLY = re.compile(rf"\b({_WOMEN})\s+only\b|\bonly\s+for\s+({_WOMEN})\b|\bfor\s+({_WOMEN})\b")
_MENTIONS_MEN = re.compile(rf"\b({_MEN})\b")
# Groups a listing may be only for, the words that name each, and who else it takes in.
_GROUP_WORDS = {
    "carers": r"(?:unpaid\s+)?carers",
    "parents": r"parents|mums\s+and\s+dads|parents\s+and\s+carers\s+of\s+under\s*5s",
    "veterans": r"veterans|ex[\s-]+(?:service|forces)(?:\s+personnel)?",
    "dementia": r"people\s+(?:living\s+)?with\s+dementia",
}
_GROUP_ALSO = {"dementia": {"carers"}}
_GROUP_ONLY = {
    group: re.compile(rf"\b(?:{words})\s+only\b|\bonly\s+for\s+(?:{words})\b")
    for group, words in _GROUP_WORDS.items()
}
_MENTIONS_WOMEN = re.compile(rf"\b({_WOMEN})\b")


@dataclass
class Place:
    latitude: float | None
    longitude: float | None
    step_free: bool


@dataclass
class Session:
    days: set[str]
    opens: time | None
    closes: time | None
    text: str


@dataclass
class Listing:
    id: str
    name: str
    description: str
    is_free: bool
    minimum_age: int | None
    maximum_age: int | None
    only_for: str | None  # "male" / "female": a listing only for one sex
    only_for_groups: set[str] = field(default_factory=set)  # only for these groups
    places: list[Place] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    costs: list[tuple] = field(default_factory=list)  # (amount, option, amount_description)


def listings(ids=None) -> dict[str, Listing]:
    """Listings by id (str): these ids, or every published active listing."""
    services = Service.objects.all() if ids is not None else Service.objects.public()
    if ids is not None:
        services = services.filter(id__in=list(ids))
    found = {}
    for s in services.prefetch_related("terms__taxonomy"):
        sex_terms = {
            t.code
            for t in s.terms.all()
            if t.taxonomy.name == ELIGIBILITY_TAXONOMY and t.code in ("men", "women")
        }
        group_terms = {
            t.code
            for t in s.terms.all()
            if t.taxonomy.name == ELIGIBILITY_TAXONOMY and t.code in _GROUP_WORDS
        }
        found[str(s.id)] = Listing(
            str(s.id),
            s.name,
            s.description,
            s.is_free,
            s.minimum_age,
            s.maximum_age,
            only_for_sex(s.eligibility_description, sex_terms),
            only_for_groups(s.eligibility_description, group_terms),
        )
    pks = list(found)
    for row in ServiceAtLocation.objects.filter(service_id__in=pks).values(
        "service_id",
        "location__latitude",
        "location__longitude",
        "location__wheelchair_accessible",
    ):
        found[str(row["service_id"])].places.append(
            Place(
                row["location__latitude"],
                row["location__longitude"],
                row["location__wheelchair_accessible"],
            )
        )
    for row in Schedule.objects.filter(service_id__in=pks).values(
        "service_id", "byday", "opens_at", "closes_at", "description"
    ):
        found[str(row["service_id"])].sessions.append(
            Session(weekdays(row["byday"]), row["opens_at"], row["closes_at"], row["description"])
        )
    for row in CostOption.objects.filter(service_id__in=pks).values(
        "service_id", "amount", "option", "amount_description"
    ):
        found[str(row["service_id"])].costs.append(
            (row["amount"], row["option"], row["amount_description"])
        )
    return found


def only_for_groups(eligibility: str, group_terms: set[str]) -> set[str]:
    """The groups a listing is only for: its eligibility terms, and plain "carers only" or
    "only for veterans" in its eligibility text."""
    text = " ".join((eligibility or "").lower().split())
    return set(group_terms) | {g for g, only in _GROUP_ONLY.items() if only.search(text)}


def only_for_sex(eligibility: str, sex_terms: set[str]) -> str | None:
    men, women = "men" in sex_terms, "women" in sex_terms
    text = (eligibility or "").lower()
    if not (_MENTIONS_MEN.search(text) and _MENTIONS_WOMEN.search(text)):
        men = men or bool(_MEN_ONLY.search(text))
        women = women or bool(_WOMEN_ONLY.search(text))
    if men == women:
        return None
    return "male" if men else "female"


def weekdays(byday: str) -> set[str]:
    """'MO,WE' → {mon, wed}; '2TU' (second Tuesday) and '-1FR' (last Friday) count as
    their weekday."""
    days = set()
    for part in (byday or "").upper().split(","):
        code = part.strip().lstrip("+-0123456789")
        if code in _WEEKDAYS:
            days.add(_WEEKDAYS[code])
    return days


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _placed(query) -> bool:
    return query.latitude is not None and query.longitude is not None


def _distances(query, listing: Listing) -> list[tuple[float, Place]]:
    return sorted(
        (
            (haversine_km(query.latitude, query.longitude, p.latitude, p.longitude), p)
            for p in listing.places
            if p.latitude is not None and p.longitude is not None
        ),
        key=lambda pair: pair[0],
    )


def nearest_km(query, listing: Listing) -> float | None:
    """Distance to the nearest place in reach (step-free if asked); None without a place."""
    if not _placed(query):
        return None
    reach = [
        km
        for km, p in _distances(query, listing)
        if km <= query.radius_km and (p.step_free or not query.wheelchair)
    ]
    return reach[0] if reach else None


def breaks(query, listing: Listing) -> list[str]:
    """What the listing breaks, each "kind: detail"; empty if it fits."""
    found = []
    in_reach = listing.places
    if _placed(query) and listing.places:
        measured = _distances(query, listing)
        in_reach = [p for km, p in measured if km <= query.radius_km]
        if not measured:
            found.append(f"{RADIUS}: no place with coordinates to measure from")
        elif not in_reach:
            found.append(f"{RADIUS}: {measured[0][0]:.1f} km, further than {query.radius_km:g} km")
    if query.wheelchair and listing.places and in_reach and not any(p.step_free for p in in_reach):
        found.append(f"{STEP_FREE}: no step-free place")
    if (query.days or query.from_time or query.to_time) and not _fits_times(query, listing):
        found.append(f"{TIMES}: no session when the person is free")
    if query.free_only and not _free(listing):
        found.append(f"{FREE}: {_price(listing)}")
    if query.age is not None and not (
        (listing.minimum_age is None or listing.minimum_age <= query.age)
        and (listing.maximum_age is None or query.age <= listing.maximum_age)
    ):
        found.append(f"{AGE}: for ages {listing.minimum_age or 0}–{listing.maximum_age or '…'}")
    if query.sex and listing.only_for and listing.only_for != query.sex:
        found.append(f"{SEX}: only for {'men' if listing.only_for == 'male' else 'women'}")
    if query.groups is not None and listing.only_for_groups:
        welcome = set(listing.only_for_groups)
        for group in listing.only_for_groups:
            welcome |= _GROUP_ALSO.get(group, set())
        if not welcome & set(query.groups):
            found.append(f"{MEMBERSHIP}: only for {', '.join(sorted(listing.only_for_groups))}")
    return found


def _fits_times(query, listing: Listing) -> bool:
    timed = [s for s in listing.sessions if s.days]
    if not timed:
        return True  # no timetable: times to arrange
    start, end = query.from_time or time.min, query.to_time
    for s in timed:
        if query.days and not s.days & set(query.days):
            continue
        if s.opens is None and s.closes is None:
            return True  # no times: any time of its day
        if s.opens is not None and s.closes is not None:
            overlaps = s.opens < (end or time.max) and s.closes > start  # [opens, closes)
        elif s.opens is not None:
            overlaps = start <= s.opens < (end or time.max)  # a start time only
        else:
            overlaps = s.closes > start
        if overlaps:
            return True
    return False


def _free(listing: Listing) -> bool:
    if not listing.costs:
        return listing.is_free
    return all(
        amount == 0 if amount is not None else "free" in f"{option} {words}".lower()
        for amount, option, words in listing.costs
    )


def _price(listing: Listing) -> str:
    for amount, option, words in listing.costs:
        if amount:
            return f"£{amount:.2f} {option}".strip()
        if amount is None and "free" not in f"{option} {words}".lower():
            return option or words or "not free"
    return "not free"
