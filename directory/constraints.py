"""The person's hard constraints, as filters (ADR 0011 §2): when they are free, and who a
listing is for. Pure functions over the strings the search index stores
(`SearchEntry.slots`, `SearchEntry.eligibility`), so the engine can test thousands of
candidates cheaply and the index and the engine cannot disagree about a format.

Timetables are stored per weekday as merged minute ranges ("MO0930-1300,1800-2000;TU;
WE1000-1200"): a day with no range has a session at a time not given, which fits any time
of that day. At most seven groups, so nothing is ever cut. Monthly ("2TU", "-1FR") and
fortnightly sessions count as their weekday: the person is free that weekday, and the
listing says which week.
"""

import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_OF = dict(zip(ICAL_DAYS, DAYS, strict=True))
WHOLE_DAY = (0, 24 * 60)
# A session with a start and no end (or an end and no start) is taken to last this long.
ASSUMED_SESSION_MINUTES = 60
# SearchEntry.slots holds this much; a timetable too busy to list exactly within it (about
# forty separate sessions a week) is stored coarser and marked, and the engine checks
# those few listings against their schedules.
SLOTS_LIMIT = 400
COARSE = "~"

_ORDINAL = re.compile(r"^[+-]?\d+")


def weekdays(byday: str) -> list[str]:
    """'MO,WE' → ['mon', 'wed']; '2TU' (second Tuesday) → ['tue']; '' → []."""
    days = []
    for part in (byday or "").upper().split(","):
        code = _ORDINAL.sub("", part.strip())
        if code in DAY_OF and DAY_OF[code] not in days:
            days.append(DAY_OF[code])
    return days


def _minutes(value: time | None) -> int | None:
    return None if value is None else value.hour * 60 + value.minute


def session_range(opens: time | None, closes: time | None) -> tuple[int, int]:
    """[start, end) in minutes of the day; a session without times fills its day."""
    start, end = _minutes(opens), _minutes(closes)
    if start is None and end is None:
        return WHOLE_DAY
    if end is None or (start is not None and end <= start):
        end = min(start + ASSUMED_SESSION_MINUTES, WHOLE_DAY[1])
    if start is None:
        start = max(end - ASSUMED_SESSION_MINUTES, 0)
    return start, end


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}{minutes % 60:02d}"


def encode_slots(schedules: list[dict]) -> str:
    """Schedules (`byday`, `opens_at`, `closes_at`) → the stored per-weekday ranges. A
    session whose day is not given (a description only) counts for every day."""
    by_day: dict[str, list[tuple[int, int]]] = {}
    for s in schedules:
        days = weekdays(s.get("byday") or "") or list(DAYS)
        window = session_range(s.get("opens_at"), s.get("closes_at"))
        for day in days:
            by_day.setdefault(day, []).append(window)
    merged = {day: _merge(ranges) for day, ranges in by_day.items()}
    text = _format(merged)
    if len(text) <= SLOTS_LIMIT:
        return text
    # Too busy to list: close the smallest gaps until it fits. Coarser means more listings
    # pass the SQL-free check, never fewer, and the mark sends them to the exact check.
    while len(text) + len(COARSE) > SLOTS_LIMIT:
        day, i = min(
            ((d, i) for d, r in merged.items() for i in range(len(r) - 1)),
            key=lambda di: merged[di[0]][di[1] + 1][0] - merged[di[0]][di[1]][1],
        )
        ranges = merged[day]
        ranges[i : i + 2] = [(ranges[i][0], ranges[i + 1][1])]
        text = _format(merged)
    return COARSE + text


def _format(merged: dict[str, list[tuple[int, int]]]) -> str:
    groups = []
    for code, day in zip(ICAL_DAYS, DAYS, strict=True):
        if day not in merged:
            continue
        ranges = merged[day]
        if ranges == [WHOLE_DAY]:
            groups.append(code)
        else:
            groups.append(code + ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in ranges))
    return ";".join(groups)


@lru_cache(maxsize=8192)
def decode_slots(slots: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """The stored string → {day: ((start, end), …)}. Reads the format before ADR 0011
    ('MO,WE|1000|1200;1FR|1800|') too, until the index is rebuilt."""
    slots = (slots or "").removeprefix(COARSE)
    if "|" in slots:
        return _decode_legacy(slots)
    decoded = {}
    for group in filter(None, slots.split(";")):
        day = DAY_OF[group[:2]]
        ranges = group[2:]
        decoded[day] = (
            tuple(
                (int(r[0:2]) * 60 + int(r[2:4]), int(r[5:7]) * 60 + int(r[7:9]))
                for r in ranges.split(",")
            )
            if ranges
            else (WHOLE_DAY,)
        )
    return decoded


def _decode_legacy(slots: str) -> dict[str, tuple[tuple[int, int], ...]]:
    schedules = []
    for part in filter(None, slots.split(";")):
        byday, opens, closes = part.split("|")
        schedules.append(
            {
                "byday": byday,
                "opens_at": time(int(opens[:2]), int(opens[2:])) if opens else None,
                "closes_at": time(int(closes[:2]), int(closes[2:])) if closes else None,
            }
        )
    return decode_slots(encode_slots(schedules))


def is_coarse(slots: str) -> bool:
    return (slots or "").startswith(COARSE)


def window(from_time: time | None, to_time: time | None) -> tuple[int, int]:
    start = _minutes(from_time)
    end = _minutes(to_time)
    return (WHOLE_DAY[0] if start is None else start, WHOLE_DAY[1] if end is None else end)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def slots_fit(slots: str, days, from_time: time | None, to_time: time | None) -> bool | None:
    """Whether some session is on one of `days` (any day if none) and overlaps the time
    window. None when the listing has no timetable ("times to arrange"): it passes."""
    decoded = decode_slots(slots)
    if not decoded:
        return None
    free = window(from_time, to_time)
    return any(
        overlaps(r, free)
        for day, ranges in decoded.items()
        if not days or day in days
        for r in ranges
    )


def schedule_fits(s: dict, days, from_time: time | None, to_time: time | None) -> bool:
    """One Schedule row (`byday`, `opens_at`, `closes_at`), by the same rule."""
    on = weekdays(s.get("byday") or "") or list(DAYS)
    if days and not set(on) & set(days):
        return False
    return overlaps(
        session_range(s.get("opens_at"), s.get("closes_at")), window(from_time, to_time)
    )


# Eligibility: who a listing is for. The codes are also the API's `groups`
# (`directory.query_params` reads them from here).
ELIGIBILITY_GROUPS = ("carers", "parents", "men", "women", "veterans", "dementia")
SEX_OF_GROUP = {"men": "male", "women": "female"}
# The group a referral's need puts the person in (ADR 0011 §2): a carer is in "carers".
GROUP_OF_NEED = {"carer": "carers", "new-parent": "parents"}
GROUP_LABELS = {
    "men": "for men",
    "women": "for women",
    "carers": "for carers",
    "parents": "for parents of young children",
    "veterans": "for veterans",
    "dementia": "for people living with dementia and their carers",
}
# Conservative: phrases that say a listing is *only* for a group, not that it welcomes one.
# Matched on lower-case words with punctuation as spaces ("under-5s" → "under 5s").
ELIGIBILITY_PHRASES = {
    "men": [
        "men only",
        "for men",
        "for dads",
        "dads only",
        "for fathers",
        "fathers only",
        "male only",
    ],
    "women": [
        "women only",
        "for women",
        "ladies only",
        "for ladies",
        "for mums",
        "mums only",
        "for mothers",
        "female only",
    ],
    "carers": ["for unpaid carers", "for carers", "carers only", "for family carers"],
    "parents": [
        "parents of under 5s",
        "parents of under fives",
        "parents of babies",
        "new parents",
        "for dads",
        "for mums",
        "for new mums",
        "for new dads",
        "parents and carers of babies",
    ],
    "veterans": [
        "for veterans",
        "veterans only",
        "for ex forces",
        "for ex service personnel",
        "for the armed forces community",
    ],
    "dementia": [
        "for people living with dementia",
        "for people with dementia",
    ],
}
# Words that open a listing to everyone, whatever else it says about who it suits.
OPEN_TO_ALL = [
    "open to all",
    "open to everyone",
    "everyone welcome",
    "everyone is welcome",
    "all welcome",
    "all are welcome",
    "anyone welcome",
    "anyone is welcome",
]
# A text naming both ("dads, mums and grandparents", "for women; men welcome too") restricts
# neither sex, wherever the two words stand.
FEMALE_WORDS = {"women", "woman", "mums", "mothers", "ladies", "female", "girls"}
MALE_WORDS = {"men", "man", "dads", "fathers", "male", "gentlemen", "boys"}
OPEN_TO_BOTH_SEXES = [
    "men and women",
    "women and men",
    "mums and dads",
    "dads and mums",
    "mixed",
    "women welcome",
    "men welcome",
]
# "Mainly for men", "especially for carers": who it suits, not who may come.
# "Not just for men", "not only for carers": open to more than them.
HEDGE_PAIRS = {("not", "just"), ("not", "only")}
HEDGES = (
    "also",
    "session",  # "a separate session for women on Fridays": the group itself is open
    "sessions",
    "mainly",
    "mostly",
    "largely",
    "especially",
    "particularly",
    "primarily",
    "aimed",
    "geared",
)
# "For veterans and their families": a member of the family is not a veteran, and may come.
FAMILIES_WELCOME = ["and their families", "and their family", "and families"]
# A listing for people with dementia is for their carers too: either group may join.
ALSO_ELIGIBLE = {"dementia": {"carers"}}


def _normal(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split()) + " "


def eligibility_groups(eligibility: str) -> list[str]:
    """Groups a listing is restricted to, from its "who it is for" text (never from its
    description). A listing for men and for women (or open to all) is restricted by neither."""
    text = _normal(eligibility)
    if any(f" {p} " in text for p in OPEN_TO_ALL):
        return []
    found = {
        group
        for group, phrases in ELIGIBILITY_PHRASES.items()
        if any(_says_only(text, phrase) for phrase in phrases)
    }
    words = set(text.split())
    if (
        {"men", "women"} <= found
        or any(f" {p} " in text for p in OPEN_TO_BOTH_SEXES)
        or (words & FEMALE_WORDS and words & MALE_WORDS)
    ):
        found -= {"men", "women"}
    if any(f" {p} " in text for p in FAMILIES_WELCOME):
        found &= {"men", "women"}
    return [g for g in ELIGIBILITY_GROUPS if g in found]


def _says_only(text: str, phrase: str) -> bool:
    """Whether `phrase` appears in `text` at least once not after a hedge ("mainly for men")."""
    needle, start = f" {phrase} ", 0
    while (at := text.find(needle, start)) >= 0:
        before = text[:at].split()
        if not before or (before[-1] not in HEDGES and tuple(before[-2:]) not in HEDGE_PAIRS):
            return True
        start = at + 1
    return False


def encode_eligibility(groups: list[str]) -> str:
    return f" {' '.join(groups)} " if groups else ""


@lru_cache(maxsize=1024)
def decode_eligibility(stored: str) -> tuple[str, ...]:
    return tuple((stored or "").split())


@dataclass(frozen=True)
class Eligibility:
    """How a listing's groups stand against what is known of the person."""

    breaks: tuple[str, ...]  # groups the person is known to be outside
    unknown: tuple[str, ...]  # membership groups not known either way (public searches)


def check_eligibility(groups, sex: str | None, known: set[str] | None) -> Eligibility:
    """A sex-restricted listing breaks when `sex` is given and different; a membership
    group breaks only when membership is known (`known` not None) and lacks every group
    the listing admits. Otherwise the listing is kept and the unknown groups returned."""
    if not groups:
        return Eligibility((), ())
    person_sex = sex or next((SEX_OF_GROUP[g] for g in SEX_OF_GROUP if known and g in known), None)
    breaks = []
    for group in groups:
        if group in SEX_OF_GROUP and person_sex and SEX_OF_GROUP[group] != person_sex:
            breaks.append(group)
    membership = [g for g in groups if g not in SEX_OF_GROUP]
    unknown: tuple[str, ...] = ()
    if membership:
        admitted = set(membership).union(*(ALSO_ELIGIBLE.get(g, set()) for g in membership))
        if known is None:
            unknown = tuple(membership)
        elif not admitted & known:
            breaks += membership
    return Eligibility(tuple(breaks), unknown)


def age_label(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"for ages {minimum}–{maximum}"
    if minimum is not None:
        return f"for ages {minimum} and over"
    return f"for ages up to {maximum}"


def age_fits(age: int | None, minimum: int | None, maximum: int | None) -> bool:
    return age is None or (
        (minimum is None or minimum <= age) and (maximum is None or age <= maximum)
    )
