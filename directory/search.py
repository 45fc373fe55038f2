"""The one search and matching engine: public pages, the link worker's "find activities"
and the JSON API all call `search()`.

The database narrows the field from the search index (`directory.search_index`): entries
in the grid cells around the place that meet a need or match the words (the text index is
asked about those cells alone) and pass free-only, step-free and age. Python applies the
rest of the person's hard constraints (`directory.constraints`: days and times, who it is
for), scores every candidate with one weighted sum (ADR 0011 §3: graded text relevance by
BM25F over the listing's fields, semantic similarity of the words and the listing, needs
met — tagged, or inferred from its description — distance, schedule fit), sorts, and writes
reasons a person can read for the page of results only. Words and the index share one
tokenizer (`directory.text`); a place named in the words ("choir in Daventry") is the
place searched around when no postcode or lat/lon is given (`directory.places`).
Results are exact: nothing inside the radius is left out, however dense the place, and
nothing that breaks a constraint is let in; with words given, a listing must meet a need
asked for or carry enough of the words (the relevance gate). Asked for, the near misses
(ADR 0011 §2) are the relevant listings breaking exactly one constraint, out to half as
far again, each with what does not fit.
"""

import json
import re
from dataclasses import dataclass, field, replace
from datetime import time
from time import monotonic

import numpy as np
from django.db import connection
from django.db.models import Q

from directory import constraints, fulltext, places, search_index, semantic, word_stats
from directory import text as lexicon
from directory.models import (
    CostOption,
    Schedule,
    SearchDocument,
    SearchEntry,
    Service,
    Synonym,
)
from geography.grid import Box
from geography.lookup import bounding_box, distance_km
from referrals.models import Need

DAYS = list(constraints.DAYS)
ICAL_DAYS = dict(constraints.DAY_OF)  # "MO" → "mon", in week order
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

# ADR 0011 §3: S(d) = Σ ŵ_c · x_c(d) − penalties, the weights rescaled to sum to 1 over
# the components the query supplies (no words: no text; no place: no distance; no days or
# times: no schedule fit). Tuned on the dev judged set only.
WEIGHT_TEXT = 0.35
WEIGHT_NEED = 0.30
WEIGHT_DISTANCE = 0.25
WEIGHT_SCHEDULE_FIT = 0.05
PENALTY_FULL = 0.10
# What matters to the person and their goals: weak extra words (ADR §3, qw 0.3), and the
# weight of the text component when they are the only words.
CONTEXT_WEIGHT = 0.3
WEIGHT_CONTEXT_TEXT = 0.05
# Relevance gate (ADR §3): with words given, a listing meeting none of the needs asked for
# must have words carrying at least this share of the query's weight (Σ idf of the typed
# words), so one common word among rarer ones no longer returns the directory, while a
# passing mention of the one word asked for is still found (and ranked low).
TEXT_GATE = 0.3
# What matters: a word more than this share of the listings have is left out (None: keep all).
CONTEXT_COMMON_SHARE = 0.1
CONTEXT_COMMON_MIN = 20
# A need the typed words mean, by the closest need prototype (None: off).
QUERY_NEED_THRESHOLD = 0.3
# The gate for a listing that what matters to the person let in (no words typed, no need
# met): that share of the idf weight of their what-matters and goal words. None: off.
CONTEXT_GATE = 0.4
# A listing for a group the person may not be in (public searches do not know): shown,
# labelled, a little lower, unless their words name the group.
PENALTY_ELIGIBILITY_UNKNOWN = 0.10
# A group made for people of the person's age (a range at most AGE_TARGET_SPAN years wide,
# or for over-AGE_TARGET_OLDER's) suits them better than one merely open to them: the
# young man who stays in his room, and a group for 18-25s.
WEIGHT_AGE = 0.10
AGE_TARGET_SPAN = 40
AGE_TARGET_OLDER = 50


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
    _sync_caches()
    query, place, text = _place_in_words(query)
    known = synonyms()
    typed = lexicon.expand_query(text, known)
    context = _informative(lexicon.expand_query(query.context_text, known, weight=CONTEXT_WEIGHT))
    words = list(typed.stems)
    meant = _needs_meant(text, set(query.needs) | typed.needs)
    wanted = sorted(set(query.needs) | typed.needs | meant)
    # With no words typed (the link worker's search), what matters to the person may let
    # in what meets no need: a cookery class for the widower who wants to learn to cook.
    context_words = list(context.stems) if not words and CONTEXT_GATE is not None else []
    relevance = _Relevance(typed, context, text)
    meaning = _Meaning(text, query.context_text)
    rank = _Ranker(query, wanted, typed.stems, relevance, place, meaning)
    rank.need_weight.update(dict.fromkeys(meant, NEED_FROM_MEANING))
    near = []
    if query.include_near and query.latitude is not None:
        # One read of the widened field: what breaks nothing is a match (the same rows the
        # strict read gives), what breaks one thing a near miss.
        rows, near = _sort_out(_candidates(query, words, wanted, True, context_words), rank)
    else:
        rows = rank.keep(_candidates(query, words, wanted, False, context_words))
        if query.include_near:
            # No place: the strict read is a sample of the directory, so the near misses
            # come from a read of their own.
            matched = {row[0] for row in rows}
            relaxed = _candidates(query, words, wanted, True, context_words)
            near = _sort_out([row for row in relaxed if row[0] not in matched], rank)[1]
    relevance.read(rows, near, query)
    meaning.read([row[0] for row in rows] + [r.row[0] for r in near])
    rows = [row for row in rows if rank.relevant(row)]
    near = [r for r in near if rank.relevant(r.row)]
    for r in near:
        r.score = rank.score(r.row)
    near.sort(key=lambda r: (-r.score, *_tie(r.row)))
    near = near[:NEAR_LIMIT]
    scored = [(rank.score(row), row) for row in rows]
    scored.sort(key=lambda pair: (-pair[0], *_tie(pair[1])))
    page = [
        rank.ranked(score, row) for score, row in scored[query.offset : query.offset + query.limit]
    ]
    # One set of look-ups for the page and the near misses together.
    described = _describe(page + near, query, rank)
    return Result(
        described[: len(page)],
        len(scored),
        wanted,
        near_misses=described[len(page) :],
        place=place,
    )


def _informative(context: lexicon.Expansion) -> lexicon.Expansion:
    """What matters to the person, without its words that most listings have ("people",
    "week", "like"): they say little about which activity suits, and would have every
    listing nearby read and scored."""
    if CONTEXT_COMMON_SHARE is None or not context.stems:
        return context
    stats = word_stats.for_stems(list(context.stems))
    # In a small directory no word is common enough to say nothing.
    limit = max(CONTEXT_COMMON_SHARE * stats.n, CONTEXT_COMMON_MIN)
    kept = {s: w for s, w in context.stems.items() if stats.df.get(s, 0) <= limit}
    return context._replace(stems=kept)


def _needs_meant(text: str, named: set[str]) -> set[str]:
    """The need a person's typed words mean, where no synonym names one ("somewhere to talk
    about losing my husband" → bereavement): the closest need prototype, if close enough
    (ADR 0011 §4). Empty when semantic similarity is off."""
    if QUERY_NEED_THRESHOLD is None or named:
        return set()
    words = " ".join(w for w in lexicon.words(text) if w not in lexicon.STOP_WORDS)
    if not words:
        return set()
    try:
        found = semantic.needs_for_text(words, QUERY_NEED_THRESHOLD)
    except semantic.NotAvailable:
        return set()
    return {found[0][0]} if found else set()


def _tie(row: tuple) -> tuple:
    """Equal scores go nearest first, then by listing key: never by name, which would
    favour "Aardvark" over the activity next door."""
    return (row[KM] or 0, row[0])


def _place_in_words(query: Query) -> tuple[Query, dict | None, str]:
    """The query to run, the place the words named (None unless the place came from
    them), and the words left once the place is taken out. A postcode or lat/lon given
    wins over a place in the words, whose name still stops counting as a word."""
    if not query.text.strip():
        return query, None, query.text
    given = query.latitude is not None
    found = places.find_place(query.text, None if given else query.radius_km)
    if found is None:
        return query, None, query.text
    if given:
        return query, None, found.words
    place = {
        "name": found.name,
        "from": "words",
        "latitude": found.latitude,
        "longitude": found.longitude,
        "radius_km": round(found.radius_km, 2),
    }
    located = replace(
        query, latitude=found.latitude, longitude=found.longitude, radius_km=found.radius_km
    )
    return located, place, found.words


_seen_generation = -1


def _sync_caches() -> None:
    """After this process changed the index, read the directory's towns and word
    statistics again (other processes read them again within their cache time)."""
    global _seen_generation
    if search_index.generation != _seen_generation:
        _seen_generation = search_index.generation
        places.forget()
        word_stats.forget()
        _vector_cache.clear()


@dataclass
class _Ranked:
    key: int
    name: str
    score: float
    km: float | None
    needs_met: list[str]
    needs_inferred: list[str]  # needs its description names or means (no tag says so)
    fits: bool | None  # None: the person gave no days or times, or there is no timetable
    capacity_available: int | None
    town: str
    row: tuple
    # Near misses: the constraint broken, as a code of `_Ranker.breaks`.
    breaks: list[str] = field(default_factory=list)


def _read_documents(column: str, keys: set[int]) -> list[tuple]:
    """(key, column) of these search documents, read with a raw cursor: the ORM's per-row
    conversion costs more than the scoring."""
    subquery, params = fulltext.one_of(keys).as_sql(None, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "key", "{column}" FROM {SearchDocument._meta.db_table} '
            f'WHERE "key" IN {subquery}',
            params,
        )
        return cursor.fetchall()


def _tokens(keys: set[int]) -> list[tuple[int, dict]]:
    """(key, field → {stem: tf}) of these search documents."""
    return [
        (key, tokens if isinstance(tokens, dict) else json.loads(tokens or "{}"))
        for key, tokens in _read_documents("tokens", keys)
    ]


class _Relevance:
    """Graded text relevance (ADR 0011 §3): BM25F over the listing's fields, for the
    candidates the text index found. The person's own words (and what their synonyms add)
    score `typed`; what matters to them and their goals add weakly to `total`, and (no
    words typed) may let in a listing meeting no need (`context_coverage`, CONTEXT_GATE)."""

    def __init__(self, typed: lexicon.Expansion, context: lexicon.Expansion, text: str):
        self.typed = dict(typed.stems)
        self.context = {s: w for s, w in context.stems.items() if s not in self.typed}
        self.stems = {**self.typed, **self.context}
        # How to name a stem in a reason: the word the person typed, else a synonym's word.
        self.said: dict[str, str] = {}
        for w in lexicon.words(text):
            self.said.setdefault(lexicon.stem(w), w)
        self.coverage: dict[int, float] = {}
        self.context_coverage: dict[int, float] = {}
        self.total_score: dict[int, float] = {}
        self.matched: dict[int, list[str]] = {}
        self.best_total = 0.0

    def read(self, rows: list[tuple], near: list, query: Query) -> None:
        """Score the candidates (matches and near misses) that the index says have any
        of the stems."""
        if not self.stems:
            return
        hits = {row[0] for row in rows if row[TEXT_HIT]} | {
            r.row[0] for r in near if r.row[TEXT_HIT]
        }
        keys = set(hits)
        if self.context and (self.typed or CONTEXT_GATE is None):
            # What matters to the person ranks the candidates that have its words. (With no
            # words typed, `_candidates` asked the index for them already: `hits`.)
            cells = None
            if query.latitude is not None:
                radius = query.radius_km * (NEAR_RADIUS_FACTOR if near else 1)
                box = Box.around(*bounding_box(query.latitude, query.longitude, radius))
                cells = box.search_tokens()
            candidates = {row[0] for row in rows} | {r.row[0] for r in near}
            keys |= candidates & fulltext.matching_keys(list(self.context), cells)
        if not keys:
            return
        stats = word_stats.for_stems(self.stems)
        idf = {s: lexicon.idf(stats.df.get(s, 0), max(stats.n, 1)) for s in self.stems}
        documents = _tokens(keys)
        # The gate asks what share of the words' weight (idf) a listing has: of the words
        # the person typed, so that synonyms widen without diluting, and only of words
        # some listing has (a word no listing uses cannot be met, and would weigh most).
        used = {s: w for s, w in self.typed.items() if stats.df.get(s)}
        own = {s: w for s, w in used.items() if w >= lexicon.TYPED_WEIGHT} or used
        mass = sum(w * idf[s] for s, w in own.items())
        context_mass = sum(w * idf[s] for s, w in self.context.items() if stats.df.get(s))
        for key, tokens in documents:
            if not tokens:
                # Indexed before documents kept their stems (migration 0011, until
                # `rebuild_search_index`): the index found the words, so let it in.
                self.coverage[key] = 1.0
                continue
            length = {name: float(sum(counts.values())) for name, counts in tokens.items()}
            covered = total = context_covered = 0.0
            matched = []
            for s, weight in self.stems.items():
                tf = {name: counts[s] for name, counts in tokens.items() if s in counts}
                tilde = lexicon.pseudo_tf(tf, length, stats.avglen)
                if not tilde:
                    continue
                total += weight * idf[s] * lexicon.saturate(tilde)
                if s in self.typed:
                    covered += weight * idf[s]
                    matched.append(s)
                elif stats.df.get(s):
                    context_covered += weight * idf[s]
            # No typed word is known to this process's word statistics (a listing added
            # since they were read, in another process; a word only in a venue's name):
            # the text index found the listing by the words, which is enough to let it in.
            self.coverage[key] = covered / mass if mass else float(key in hits)
            self.total_score[key] = total
            self.matched[key] = matched
            if context_mass:
                self.context_coverage[key] = context_covered / context_mass
        # The best of the matches, not of the near misses: the matches' scores, and so
        # their order, are the same whether near misses are asked for or not.
        matches = {row[0] for row in rows}
        self.best_total = max(
            (score for key, score in self.total_score.items() if key in matches), default=0.0
        )

    def share(self, key: int) -> float:
        """x_L: the listing's text score as a share of the best among the candidates."""
        if not self.best_total:
            return 0.0
        return min(1.0, self.total_score.get(key, 0.0) / self.best_total)

    def passes(self, key: int) -> bool:
        return self.coverage.get(key, 0.0) >= TEXT_GATE

    def about(self, key: int) -> list[str]:
        """The words it is about, as the person said them."""
        return list(
            dict.fromkeys(self.said[s] for s in self.matched.get(key, []) if s in self.said)
        )


class _Meaning:
    """Semantic similarity (ADR 0011 §4): the cosine of the person's words (typed, and
    what matters to them) with each candidate's stored vector, scaled to x_E in [0, 1]
    between SEMANTIC_FLOOR and SEMANTIC_CEILING. It ranks; it never lets a listing in.
    Inactive when there are no words or the model is not available."""

    def __init__(self, text: str, context_text: str):
        # Typed stop words are ignored here as everywhere ("I want to find a choir near me"
        # means what "choir" means); what matters is their own sentence, embedded whole.
        typed = " ".join(w for w in lexicon.words(text) if w not in lexicon.STOP_WORDS)
        words = " ".join(t for t in (typed, context_text) if t and t.strip())
        self.query = None
        if words:
            try:
                self.query = semantic.embed([words])[0]
            except semantic.NotAvailable:
                self.query = None
        self.active = self.query is not None and bool(np.any(self.query))
        self.x: dict[int, float] = {}
        self.missing = 0.0

    def read(self, keys: list[int]) -> None:
        if not self.active or not keys:
            return
        stored = _vectors(set(keys))
        found = [key for key in keys if key in stored]
        if not found:
            return
        matrix = semantic.stack([stored[key] for key in found])
        cosines = semantic.cosine_int8(matrix, self.query)
        spread = SEMANTIC_CEILING - SEMANTIC_FLOOR
        x = np.clip((cosines - SEMANTIC_FLOOR) / spread, 0.0, 1.0)
        self.x = dict(zip(found, x.tolist(), strict=True))
        # A listing indexed while the model was off has no vector: the middle of the
        # others, so that it is neither favoured nor buried by what it could not be given.
        self.missing = float(np.median(x))

    def closeness(self, key: int) -> float:
        return self.x.get(key, self.missing)


# Stored vectors by search document key. A committed document's key is never reused for
# other content (`search_index` makes a new document, with a new key, for every change),
# so a cached vector is never stale: keys of documents since replaced are just unused.
# Only a key this process wrote and then rolled back can come again (SQLite hands it out
# anew), so the cache is emptied after this process changes the index (`_sync_caches`),
# and when it grows past VECTOR_CACHE_LIMIT.
VECTOR_CACHE_LIMIT = 150_000  # ~375 bytes each: ~56 MB per process at most
_vector_cache: dict[int, bytes | None] = {}


def _vectors(keys: set[int]) -> dict[int, bytes]:
    missing = keys - _vector_cache.keys()
    if missing:
        if len(_vector_cache) + len(missing) > VECTOR_CACHE_LIMIT:
            _vector_cache.clear()
        for key, vector in _read_documents("vector", missing):
            _vector_cache[key] = bytes(vector) if vector is not None else None
    return {key: v for key in keys if (v := _vector_cache.get(key)) is not None}


def _candidates(
    query: Query, words: list[str], wanted: list[str], relaxed=False, context_words=()
) -> list[tuple]:
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
    if context_words:
        text_keys |= fulltext.matching_keys(
            list(context_words), box.search_tokens() if box else None
        )
    fit = Q()
    for code in wanted:
        fit |= Q(needs__contains=f" {code} ") | Q(
            needs__contains=f" {search_index.INFERRED}{code} "
        )
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
# x_E (ADR §3, §4): cosine below the floor says nothing; at the ceiling, as close as the
# dev set's best matches come. Tuned on the dev set (bench/README.md, "Matching quality").
WEIGHT_SEMANTIC = 0.60
SEMANTIC_FLOOR = 0.15
SEMANTIC_CEILING = 0.45
# ADR §3 α: needs the person chose, and needs their words name through the synonyms.
NEED_CHOSEN = 1.0
NEED_FROM_WORDS = 0.8
# ADR §3 β: a need the listing's own words name or mean, not a tag (`need_inference`).
NEED_INFERRED = 0.7
# ADR §3 α: a need the typed words mean (`_needs_meant`), no synonym naming it.
NEED_FROM_MEANING = 0.5
# x_D of a listing with no place (telephone, online): as if some 5 km away.
PLACELESS_CLOSENESS = 0.3
_NO_WORDS = (lexicon.Expansion({}, set(), []), "")
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


class _Ranker:
    """Scores candidate rows (`_COLUMNS` plus km) with a few sums: it runs for every
    listing inside the radius, so it stays cheap, and remembers whether each distinct
    timetable fits the person's days and times."""

    def __init__(
        self,
        query: Query,
        wanted: list[str],
        stems=(),
        relevance: "_Relevance | None" = None,
        place: dict | None = None,
        meaning: "_Meaning | None" = None,
    ):
        self.query = query
        self.wanted = [(code, f" {code} ") for code in wanted]
        self.inferred = [(code, f" {search_index.INFERRED}{code} ") for code in wanted]
        # ADR §3 α: a need the person chose counts fully, one their words name less.
        self.need_weight = {
            code: NEED_CHOSEN if code in query.needs else NEED_FROM_WORDS for code in wanted
        }
        self.relevance = relevance or _Relevance(lexicon.Expansion({}, set(), []), *_NO_WORDS)
        self.place = place
        self.meaning = meaning or _Meaning("", "")
        self.timed = bool(query.days or query.from_time or query.to_time)
        self.fit_by_slots: dict[str, bool | None] = {}
        self.exact: dict[int, bool] = {}  # keys of coarse timetables, checked on their schedules
        stems = set(stems)
        self.named_groups = {
            g for g, names in GROUP_WORDS.items() if {lexicon.stem(n) for n in names} & stems
        } | {g for need, g in constraints.GROUP_OF_NEED.items() if need in wanted}
        weights = []
        # Words from what matters alone (the link worker's search) weigh less than words
        # the person typed.
        self.text_weight = WEIGHT_TEXT if self.relevance.typed else WEIGHT_CONTEXT_TEXT
        if self.relevance.stems:
            weights.append(self.text_weight)
        if self.meaning.active:
            weights.append(WEIGHT_SEMANTIC)
        if self.wanted:
            weights.append(WEIGHT_NEED)
        if query.latitude is not None:
            weights.append(WEIGHT_DISTANCE)
        if self.timed:
            weights.append(WEIGHT_SCHEDULE_FIT)
        if query.age is not None:
            weights.append(WEIGHT_AGE)
        self.scale = 1 / sum(weights) if weights else 0.0

    def relevant(self, row: tuple) -> bool:
        """The relevance gate (ADR §3): with words given, a listing must meet a need
        asked for or be about the words well enough."""
        if not self.relevance.typed:
            # With no needs asked either, nothing was let in by what matters alone: it
            # only ranks what is nearby.
            if CONTEXT_GATE is None or not self.relevance.context or not self.wanted:
                return True
            return (
                bool(self.met(row[NEEDS]) or self.met_inferred(row[NEEDS]))
                or self.relevance.context_coverage.get(row[0], 0.0) >= CONTEXT_GATE
            )
        return (
            bool(self.met(row[NEEDS]) or self.met_inferred(row[NEEDS]))
        ) or self.relevance.passes(row[0])

    def met(self, needs: str) -> list[str]:
        return [code for code, padded in self.wanted if padded in needs]

    def met_inferred(self, needs: str) -> list[str]:
        """Needs asked for that the listing's own words name or mean (ADR §4)."""
        return [code for code, padded in self.inferred if padded in needs]

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

    def age_targeted(self, row: tuple) -> bool:
        """Made for people of the person's age (it passed the age filter already)."""
        low, high = row[MIN_AGE], row[MAX_AGE]
        if self.query.age is None or (low is None and high is None):
            return False
        if not constraints.age_fits(self.query.age, low, high):
            return False  # a near miss for its age is not made for them
        return (high is not None and high - (low or 0) <= AGE_TARGET_SPAN) or (
            low is not None and low >= AGE_TARGET_OLDER
        )

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
        """S(d) of ADR 0011 §3, in [0, 1]."""
        score = 0.0
        if self.relevance.stems:
            score += self.text_weight * self.relevance.share(row[0])
        if self.meaning.active:
            score += WEIGHT_SEMANTIC * self.meaning.closeness(row[0])
        if self.wanted:
            met = sum(
                self.need_weight[code] for code in self.met(row[NEEDS])
            ) + NEED_INFERRED * sum(
                self.need_weight[code] for code in self.met_inferred(row[NEEDS])
            )
            score += WEIGHT_NEED * met / sum(self.need_weight.values())
        if self.query.latitude is not None:
            km = row[KM]
            score += WEIGHT_DISTANCE * (PLACELESS_CLOSENESS if km is None else 1 / (1 + km / 2))
        if self.timed:
            fits = self.fits(row[SLOTS], row[0])
            if fits is True:
                score += WEIGHT_SCHEDULE_FIT
            elif fits is None:
                score += WEIGHT_SCHEDULE_FIT / 2  # no timetable: times to arrange
        if self.query.age is not None and self.age_targeted(row):
            score += WEIGHT_AGE
        score *= self.scale
        if row[CAPACITY] == 0:
            score -= PENALTY_FULL
        if row[ELIGIBILITY] and set(self.eligibility(row[ELIGIBILITY]).unknown) - self.named_groups:
            score -= PENALTY_ELIGIBILITY_UNKNOWN
        # Penalties could take it below zero: a score is a share of a perfect fit.
        return round(min(1.0, max(0.0, score)), 4)

    def ranked(self, score: float, row: tuple, breaks=()) -> "_Ranked":
        return _Ranked(
            row[0],
            row[NAME],
            score,
            row[KM],
            self.met(row[NEEDS]),
            self.met_inferred(row[NEEDS]),
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
            # Scored and cut to NEAR_LIMIT once text relevance is known (`search`).
            near.append(rank.ranked(0.0, row, broken))
    return fitting, near


def _describe(page: list[_Ranked], query: Query, rank: "_Ranker | None" = None) -> list[Match]:
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
        Need.objects.filter(
            code__in={c for r in page for c in [*r.needs_met, *r.needs_inferred]}
        ).values_list("code", "label")
    )
    timed = bool(query.days or query.from_time or query.to_time)
    matches = []
    for r in page:
        service = services[r.key]
        sid = service["id"]
        reasons = []
        if r.needs_met:
            reasons.append("meets: " + ", ".join(sorted(labels[c].lower() for c in r.needs_met)))
        if r.needs_inferred:
            reasons.append(
                "may help with: "
                + ", ".join(sorted(labels[c].lower() for c in r.needs_inferred))
                + " (from its description)"
            )
        about = rank.relevance.about(r.key) if rank else []
        if about:
            reasons.append("about " + ", ".join(about))
        # A near miss that is too far says so in what does not fit: not twice.
        if r.km is not None and "distance" not in r.breaks:
            place = rank.place if rank else None
            reasons.append(f"in {place['name']}, {r.km:.1f} km" if place else f"{r.km:.1f} km")
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
        if rank and rank.age_targeted(r.row) and "age" not in r.breaks:
            reasons.append(f"{constraints.age_label(r.row[MIN_AGE], r.row[MAX_AGE])} — your age")
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
