"""A place named in a person's words ("choir in Daventry", "debt advice NN17"), for a search
given no postcode or latitude/longitude (ADR 0011 §1).

`find_place(text, radius_km)` returns a `PlaceInWords` (name, latitude, longitude,
radius_km, words) or None. The longest run of one to three words that names a place is
the place, and leaves the words (with an "in"/"near"/"around"/"at" just before it):

- an outward code or a full postcode ("NN11", "nn11 4ab"), through `geography.lookup`;
- a directory town: a `SearchEntry.town` with at least `MIN_TOWN_ENTRIES` entries, centred
  on the median of their coordinates;
- a city or town of `geography/data/outcodes.csv` (the names of its postcode districts),
  centred on the median of their centroids.

Between runs of the same length the one after a preposition wins, then the last. A one-word
name that is also a common word of the directory ("Green") is a place only after
in/near/around/at: common means in more than 1% of the listings of other towns. A one-word
city of the outcodes that is not a directory town always needs the preposition: "Bath",
"March", "Stone" and "Street" are far more likely words the person meant than a city
outside the directory ("choir in Bath" still works; so does "choir milton keynes").

A name used by places far apart ("Newport", "Stone") stands for its largest group of
listings or districts within `CLUSTER_KM`; if two groups are as large, it is ambiguous and
names no place.

The suggested radius is the one asked for, widened to take in the town: its 90th-percentile
spread (distance of its listings, or districts, from the centre) plus 2 km. With a postcode
in the query form too, the engine should keep that postcode's place and still take the
words from here, so the town name does not count as a word.

The directory's towns are read at most every `CACHE_SECONDS`; `forget()` drops them.
"""

import csv
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import median
from time import monotonic
from typing import NamedTuple

from directory import text as lexicon
from geography import lookup

CACHE_SECONDS = 600
MIN_TOWN_ENTRIES = 3
MAX_RUN = 3
PREPOSITIONS = frozenset({"in", "near", "around", "at", "nr"})
COMMON_SHARE = 0.01  # a directory town's one-word name in more listings than this is a word
COMMON_SAMPLE = 5000  # listings read to tell which names are common words
TOWN_MARGIN_KM = 2.0
CLUSTER_KM = 25.0  # listings or districts of one name further apart are different places
DISTRICT_RADIUS_KM = 5.0  # an outward code names a district a few km across
FULL_POSTCODE_RADIUS_KM = 2.0
OUTCODES_CSV = Path(__file__).resolve().parent.parent / "geography" / "data" / "outcodes.csv"


class PlaceInWords(NamedTuple):
    name: str  # as people write it: "Daventry", "NN11"
    latitude: float
    longitude: float
    radius_km: float
    words: str  # the rest of the words, normalised (directory.text.normalise)


@dataclass(frozen=True)
class Named:
    """A place a run of words can name."""

    name: str
    latitude: float
    longitude: float
    spread_km: float  # 90th percentile of its listings' (or districts') distance from centre
    common: bool  # a one-word name that is also a common word: needs a preposition


def find_place(text: str, radius_km: float | None = None) -> PlaceInWords | None:
    """The place named in `text`, or None. Never raises for any text."""
    towns, cities = _gazetteers()
    return find_in_words(lexicon.normalise(text).split(), towns, cities, radius_km)


def find_in_words(
    words: list[str],
    towns: dict[tuple[str, ...], Named],
    cities: dict[tuple[str, ...], Named],
    radius_km: float | None = None,
    locate=None,
) -> PlaceInWords | None:
    """`find_place` over normalised words and given gazetteers (keys: normalised words of
    the name); `locate(text) -> geography.lookup.Place` looks postcodes up."""
    locate = locate or lookup.locate
    for length in range(min(MAX_RUN, len(words)), 0, -1):
        found = []
        for start in range(len(words) - length + 1):
            run = tuple(words[start : start + length])
            after_preposition = start > 0 and words[start - 1] in PREPOSITIONS
            named = _named(run, towns, cities, after_preposition, locate)
            if named is not None:
                found.append((after_preposition, start, named))
        if found:
            after_preposition, start, named = max(found, key=lambda f: (f[0], f[1]))
            first = start - 1 if after_preposition else start
            rest = words[:first] + words[start + length :]
            spread = named.spread_km + TOWN_MARGIN_KM
            radius = max(radius_km, spread) if radius_km is not None else spread
            return PlaceInWords(named.name, named.latitude, named.longitude, radius, " ".join(rest))
    return None


# Words of the calendar that are also towns ("March", Cambridgeshire; "Sunday" is not, but
# "in May" and "on Friday" are said far more often of when than of where). A person in
# March gives its postcode.
WHEN_WORDS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


def _named(run, towns, cities, after_preposition, locate) -> Named | None:
    if len(run) == 1 and run[0] in WHEN_WORDS:
        return None
    for gazetteer in (towns, cities):
        named = gazetteer.get(run)
        if named is not None and (after_preposition or not named.common):
            return named
    if len(run) <= 2:
        return _postcode(run, locate)
    return None


def _postcode(run: tuple[str, ...], locate) -> Named | None:
    words = " ".join(run)
    try:
        outward, _, full = lookup.parse(words)
        # Two words are a postcode only as its two halves: "nn11 4ab", never "nn11 in"
        # (which would parse as NN1 1IN).
        if len(run) == 2 and (not full or lookup.parse(run[0])[0] != outward):
            return None
    except lookup.PostcodeError:
        return None
    try:
        place = locate(words)
    except lookup.PostcodeError:
        return None
    margin = FULL_POSTCODE_RADIUS_KM if full else DISTRICT_RADIUS_KM
    # The radius adds TOWN_MARGIN_KM to the spread: take it back off.
    return Named(place.postcode, place.latitude, place.longitude, margin - TOWN_MARGIN_KM, False)


_lock = threading.Lock()
_cache: tuple[float, tuple[dict, dict]] | None = None


def forget() -> None:
    """Read the directory's towns again at the next search (tests; after an import)."""
    global _cache
    with _lock:
        _cache = None


def _gazetteers() -> tuple[dict, dict]:
    global _cache
    with _lock:
        if _cache is None or monotonic() - _cache[0] > CACHE_SECONDS:
            _cache = (monotonic(), _load())
        return _cache[1]


def _load() -> tuple[dict, dict]:
    from directory.models import SearchEntry, Service

    points = defaultdict(list)
    spellings = defaultdict(Counter)
    towns_of = defaultdict(set)
    for service_id, town, lat, lon in SearchEntry.objects.exclude(town="").values_list(
        "service_id", "town", "latitude", "longitude"
    ):
        key = _key(town)
        if not key:
            continue
        towns_of[service_id].add(key)
        spellings[key][town.strip()] += 1
        if lat is not None:
            points[key].append((lat, lon))
    towns = {
        key: (spellings[key].most_common(1)[0][0], pts)
        for key, pts in points.items()
        if len(pts) >= MIN_TOWN_ENTRIES and len(key) <= MAX_RUN
    }
    cities = {key: value for key, value in _outcode_cities().items() if key not in towns}

    single = {key[0] for key in (*towns, *cities) if len(key) == 1}
    in_other_towns: Counter = Counter()
    listings = (
        Service.objects.filter(status=Service.Status.ACTIVE, published=True)
        .order_by("id")
        .values_list("id", "name", "description")[:COMMON_SAMPLE]
    )
    sampled = 0
    for service_id, name, description in listings:
        sampled += 1
        own = {key[0] for key in towns_of.get(service_id, ()) if len(key) == 1}
        for word in set(lexicon.normalise(f"{name} {description}").split()) & single:
            if word not in own:
                in_other_towns[word] += 1

    def common(key) -> bool:
        if len(key) != 1:
            return False
        word = key[0]
        return word in lexicon.STOP_WORDS or in_other_towns[word] > COMMON_SHARE * sampled

    return (
        _gazetteer((key, name, pts, common(key)) for key, (name, pts) in towns.items()),
        _gazetteer((key, name, pts, len(key) == 1) for key, (name, pts) in cities.items()),
    )


def _gazetteer(named) -> dict[tuple[str, ...], Named]:
    gazetteer = {}
    for key, name, points, common in named:
        main = _main_group(points)
        if main:
            gazetteer[key] = _centred(name, main, common)
    return gazetteer


def _main_group(points: list[tuple[float, float]]) -> list[tuple[float, float]] | None:
    """The largest group of points within CLUSTER_KM of its first; None if two are as
    large (one name, two places)."""
    groups: list[list[tuple[float, float]]] = []
    for point in sorted(points):
        for group in groups:
            if lookup.distance_km(*group[0], *point) <= CLUSTER_KM:
                group.append(point)
                break
        else:
            groups.append([point])
    groups.sort(key=len, reverse=True)
    if len(groups) > 1 and len(groups[1]) == len(groups[0]):
        return None
    return groups[0]


def _key(name: str) -> tuple[str, ...]:
    return tuple(lexicon.normalise(name).split())


@lru_cache(maxsize=1)
def _outcode_cities() -> dict[tuple[str, ...], tuple[str, list]]:
    """Normalised city name → (name, district centroids), from the shipped outcodes."""
    cities: dict = {}
    with OUTCODES_CSV.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            city = (row.get("city") or "").strip()
            if not city:
                continue
            point = (float(row["latitude"]), float(row["longitude"]))
            # "King's Lynn" is typed "kings lynn" as often as "king's lynn".
            for key in {_key(city), _key(city.replace("'", ""))}:
                if key and len(key) <= MAX_RUN:
                    cities.setdefault(key, (city, []))[1].append(point)
    return cities


def _centred(name: str, points: list[tuple[float, float]], common: bool) -> Named:
    lat = median(p[0] for p in points)
    lon = median(p[1] for p in points)
    distances = sorted(lookup.distance_km(lat, lon, p[0], p[1]) for p in points)
    # 90th percentile, nearest rank.
    spread = distances[max(0, -(-9 * len(distances) // 10) - 1)]
    return Named(name, lat, lon, spread, common)
