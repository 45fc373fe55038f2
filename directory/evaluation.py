"""How well matching does on a judged set (ADR 0011 §6; docs/matching-evaluation.md).

A judgement file holds cases: a person, the parameters of their search by the API's names,
and grades (3 ideal, 2 good, 1 acceptable, absent 0) for listings of one directory. Each
case's query is parsed by the API's own parser (`directory.query_params`) and run through
the one engine (`directory.search.search`), or through a plain keyword baseline. The top
ten are scored (nDCG@10, recall@10 of grade ≥ 2, reciprocal rank of the first grade 3) and
checked for broken constraints by `directory.evaluation_checks`, which reads the listings'
own rows and shares no code with the engine's filters, so that it can disagree with them.
"""

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from uuid import UUID

from api.params import BadParameters
from directory import evaluation_checks as checks
from directory.models import Service
from directory.query_params import parse_query
from directory.search import Query, search
from referrals.models import Need

FORMAT = "linkwork-judgements/1"
SPLITS = ("dev", "heldout")
MODES = ("public", "link_worker")
GRADES = (0, 1, 2, 3)
K = 10
ENGINES = ("linkwork", "keyword")

# The file's query parameters by JSON type; all are the API's names but the last two,
# which only the link worker's search has.
_STRINGS = ("q", "postcode", "from", "to", "sex")
_NUMBERS = ("lat", "lon", "radius_km", "age")
_BOOLEANS = ("free_only", "wheelchair")
_LISTS = ("needs", "groups")
_LINK_WORKER = ("what_matters", "goals")
# Set by the evaluation itself: every case is ranked to ten, matches only.
_FIXED = ("limit", "include_near")
QUERY_KEYS = (*_STRINGS, *_NUMBERS, *_BOOLEANS, *_LISTS, "days", *_LINK_WORKER)


class JudgementError(Exception):
    """The file cannot be evaluated: every problem found, one a line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Case:
    id: str
    person: str
    mode: str
    query: Query
    judgements: dict[str, int]  # service id (lower-case UUID) → grade
    notes: str = ""


@dataclass
class JudgedSet:
    split: str
    directory: str
    cases: list[Case]


def load(path) -> JudgedSet:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as error:
        raise JudgementError([f"cannot read {path}: {error.strerror}"]) from error
    except json.JSONDecodeError as error:
        raise JudgementError(
            [f"{path} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from error
    except UnicodeDecodeError as error:
        raise JudgementError(
            [f"{path} is not UTF-8 text (byte {error.start}): save it as UTF-8"]
        ) from error
    return validate(data)


def validate(data) -> JudgedSet:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise JudgementError(["the file must hold one JSON object"])
    if data.get("format") != FORMAT:
        problems.append(f"format: must be {FORMAT!r}, not {data.get('format')!r}")
    if data.get("split") not in SPLITS:
        problems.append(f"split: must be one of {', '.join(SPLITS)}, not {data.get('split')!r}")
    for name in ("directory", "judged_at_commit"):
        if not isinstance(data.get(name, ""), str):
            problems.append(f"{name}: must be a string")
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        problems.append("cases: must be a non-empty list of cases")
        raw_cases = []
    cases = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_cases, 1):
        case_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(case_id, str):
            if case_id in seen:
                problems.append(f"case {case_id!r}: id: used by an earlier case too")
            seen.add(case_id)
        case = _case(number, raw, problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise JudgementError(problems)
    return JudgedSet(data["split"], data.get("directory", ""), cases)


def _case(number: int, raw, problems: list[str]) -> Case | None:
    if not isinstance(raw, dict):
        problems.append(f"case {number}: must be an object")
        return None
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        problems.append(f"case {number}: id: must be a non-empty string")
        return None
    where = f"case {case_id!r}"
    before = len(problems)
    unknown = set(raw) - {"id", "person", "mode", "query", "judgements", "notes"}
    for name in sorted(unknown):
        problems.append(f"{where}: {name}: not a field of a case")
    if not isinstance(raw.get("person"), str) or not raw["person"].strip():
        problems.append(f"{where}: person: must describe the person (a non-empty string)")
    mode = raw.get("mode")
    if mode not in MODES:
        problems.append(f"{where}: mode: must be one of {', '.join(MODES)}, not {mode!r}")
    if not isinstance(raw.get("notes", ""), str):
        problems.append(f"{where}: notes: must be a string")
    judgements = _judgements(where, raw.get("judgements"), problems)
    query = None
    if not isinstance(raw.get("query"), dict):
        problems.append(f"{where}: query: must be an object of search parameters")
    elif mode in MODES:
        query = _query(where, mode, raw["query"], problems)
    if len(problems) > before or query is None:
        return None
    return Case(case_id, raw["person"], mode, query, judgements, raw.get("notes", ""))


def _judgements(where: str, raw, problems: list[str]) -> dict[str, int]:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: judgements: must be an object of listing id → grade")
        return {}
    judgements = {}
    for key, grade in raw.items():
        try:
            service_id = str(UUID(key))
        except ValueError:
            problems.append(f"{where}: judgements: {key!r} is not a listing id (a UUID)")
            continue
        if isinstance(grade, bool) or grade not in GRADES:
            problems.append(
                f"{where}: judgements: {key}: grade must be 0, 1, 2 or 3, not {grade!r}"
            )
            continue
        if service_id in judgements:
            problems.append(f"{where}: judgements: {key}: judged twice")
        judgements[service_id] = grade
    if judgements and not any(judgements.values()):
        problems.append(f"{where}: judgements: no listing graded 1 or more, so nDCG is undefined")
    return judgements


def _query(where: str, mode: str, raw: dict, problems: list[str]) -> Query | None:
    """The file's JSON values → the API's parameters (strings, lists for the repeatable
    ones) → the API's parser, so that a case means what the API would make of it."""
    values: dict = {}
    before = len(problems)
    for name, value in raw.items():
        at = f"{where}: query.{name}"
        if name in _FIXED:
            problems.append(f"{at}: not for a judgement file: every case is ranked to {K}")
        elif name not in QUERY_KEYS:
            problems.append(f"{at}: unknown parameter; use {', '.join(QUERY_KEYS)}")
        elif value is None:
            continue
        elif name in _STRINGS or name == "what_matters":
            if not isinstance(value, str):
                problems.append(f"{at}: must be a string")
            values[name] = value
        elif name in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{at}: must be a number")
            values[name] = str(value)
        elif name in _BOOLEANS:
            if not isinstance(value, bool):
                problems.append(f"{at}: must be true or false")
            values[name] = "true" if value else "false"
        elif name == "days":
            if not _strings(value):
                problems.append(f'{at}: must be a list of days like ["mon", "tue"]')
            else:
                values[name] = ",".join(value)
        elif not _strings(value):
            problems.append(f"{at}: must be a list of strings")
        else:
            values[name] = value
    context = [values.get("what_matters", ""), *values.get("goals", [])]
    if mode == "public" and any(context):
        problems.append(f"{where}: query.what_matters/goals: only for link_worker cases")
    if len(problems) > before:
        return None
    try:
        query = parse_query(values)
    except BadParameters as error:
        for e in error.errors:
            problems.append(f"{where}: query.{e['parameter']}: {e['message']}")
        return None
    query.limit, query.offset, query.include_near = K, 0, False
    if mode == "link_worker":
        # The link worker knows the person: no group given means in none of them.
        query.groups = query.groups or set()
        query.context_text = " ".join(c.strip() for c in context if c.strip())
    return query


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Figures


def dcg(grades: list[int]) -> float:
    """Gain 2^g − 1 at rank i (from 1), discounted by log2(i + 1)."""
    return sum((2**g - 1) / math.log2(i + 1) for i, g in enumerate(grades, 1))


def ndcg(ranked: list[str], judgements: dict[str, int], k: int = K) -> float:
    """The top k's DCG over the best DCG the case's own judgements allow."""
    ideal = dcg(sorted(judgements.values(), reverse=True)[:k])
    if not ideal:
        return 0.0
    return dcg([judgements.get(s, 0) for s in ranked[:k]]) / ideal


def recall(ranked: list[str], judgements: dict[str, int], k: int = K) -> float | None:
    """Share of the grade ≥ 2 listings in the top k, out of at most k; None when the case
    has none (it cannot be scored, and counts in no mean)."""
    relevant = {s for s, g in judgements.items() if g >= 2}
    if not relevant:
        return None
    return len(relevant & set(ranked[:k])) / min(k, len(relevant))


def reciprocal_rank(ranked: list[str], judgements: dict[str, int], k: int = K) -> float | None:
    """1 / rank of the first grade 3 listing in the top k (0 if none is there); None when
    the case has no grade 3 listing."""
    if 3 not in judgements.values():
        return None
    for rank, s in enumerate(ranked[:k], 1):
        if judgements.get(s) == 3:
            return 1 / rank
    return 0.0


# Running a set


@dataclass
class Broken:
    rank: int
    service_id: str
    name: str
    breaks: list[str]


@dataclass
class CaseResult:
    id: str
    ndcg: float
    recall: float | None
    reciprocal_rank: float | None
    ranked: list[str]
    names: list[str]
    broken: list[Broken] = field(default_factory=list)

    @property
    def breaks(self) -> int:
        return sum(len(b.breaks) for b in self.broken)


@dataclass
class Report:
    engine: str
    split: str
    cases: list[CaseResult]
    notes: list[str] = field(default_factory=list)

    @property
    def overall(self) -> dict:
        recalls = [c.recall for c in self.cases if c.recall is not None]
        ranks = [c.reciprocal_rank for c in self.cases if c.reciprocal_rank is not None]
        kinds = Counter(b.split(":")[0] for c in self.cases for r in c.broken for b in r.breaks)
        return {
            "cases": len(self.cases),
            "ndcg_at_10": _mean([c.ndcg for c in self.cases]),
            "recall_at_10": _mean(recalls),
            "recall_cases": len(recalls),
            "mrr": _mean(ranks),
            "mrr_cases": len(ranks),
            "breaks": sum(c.breaks for c in self.cases),
            "cases_with_breaks": sum(1 for c in self.cases if c.broken),
            "breaks_by_kind": dict(sorted(kinds.items())),
        }

    def as_json(self) -> dict:
        return {
            "format": "linkwork-evaluation/1",
            "engine": self.engine,
            "split": self.split,
            "notes": self.notes,
            "overall": self.overall,
            "cases": [{**asdict(c), "breaks": c.breaks} for c in self.cases],
        }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def check_listings_exist(judged: JudgedSet) -> None:
    """Judgements name listings of one directory; any not here mean the file was judged
    on another, and its figures here would be meaningless."""
    ids = {s for c in judged.cases for s in c.judgements}
    known = {str(i) for i in Service.objects.filter(id__in=ids).values_list("id", flat=True)}
    missing = [(c.id, s) for c in judged.cases for s in c.judgements if s not in known]
    if missing:
        raise JudgementError(
            [
                f"{len({s for _, s in missing})} judged listing(s) are not in this directory "
                "(judged on another directory?):"
            ]
            + [f"case {case_id!r}: {s}" for case_id, s in missing]
        )


def evaluate(judged: JudgedSet, engine: str = "linkwork", progress=None) -> Report:
    check_listings_exist(judged)
    keyword = KeywordBaseline() if engine == "keyword" else None
    results = []
    for number, case in enumerate(judged.cases, 1):
        checked = case.query
        if keyword is not None:
            ranked = keyword.search(case.query)
        else:
            result = search(case.query)
            ranked = [str(m.service_id) for m in result.matches[:K]]
            checked = placed_query(case.query, result.place)
        listings = checks.listings(ranked)
        broken = []
        for rank, s in enumerate(ranked, 1):
            found = checks.breaks(checked, listings[s])
            if found:
                broken.append(Broken(rank, s, listings[s].name, found))
        result = CaseResult(
            case.id,
            ndcg(ranked, case.judgements),
            recall(ranked, case.judgements),
            reciprocal_rank(ranked, case.judgements),
            ranked,
            [listings[s].name for s in ranked],
            broken,
        )
        results.append(result)
        if progress:
            progress(number, len(judged.cases), result)
    return Report(engine, judged.split, results)


def placed_query(query: Query, place: dict | None) -> Query:
    """The query as the engine ran it when it took the place from the words ("choir in
    Daventry"): the checker measures distances from that place, within its radius."""
    if query.latitude is not None or not place or place.get("latitude") is None:
        return query
    return replace(
        query,
        latitude=place["latitude"],
        longitude=place["longitude"],
        radius_km=place.get("radius_km", query.radius_km),
    )


# The keyword baseline

_TOKEN = re.compile(r"[a-z0-9]+")
# A plain English stop list: the baseline is what any keyword search engine does.
_STOP = frozenset(
    """a about after all also am an and any are as at be been but by can could do for from
    get got has have he her him his how i if im in into is it its just like me more my near
    no not of on or our out she so some than that the their them then there they this to
    up us was we what when where which who will with would you your""".split()  # noqa: SIM905
)
BM25_K1, BM25_B = 1.2, 0.75


def keyword_tokens(text: str) -> list[str]:
    """Lower-case words less stop words, Snowball-stemmed ("gardening" → "garden"), as an
    off-the-shelf English analyser does: a baseline without stems would be a straw man."""
    return _stemmer().stemWords([t for t in _TOKEN.findall(text.lower()) if t not in _STOP])


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


class KeywordBaseline:
    """BM25 (k1 1.2, b 0.75) over each published listing's name (counted twice, as the
    usual name boost) and description, stemmed, with the plain checker's filters applied exactly:
    the baseline issue 16 says linkwork must beat. Its words are the query's words, the
    labels of the needs given and, for the link worker, what matters and goals."""

    def __init__(self):
        self.listings = checks.listings()
        self.bags = {
            s: Counter(keyword_tokens(f"{x.name} {x.name} {x.description}"))
            for s, x in self.listings.items()
        }
        self.lengths = {s: sum(bag.values()) for s, bag in self.bags.items()}
        self.average = sum(self.lengths.values()) / max(1, len(self.lengths))
        self.df = Counter(t for bag in self.bags.values() for t in bag)
        self.labels = dict(Need.objects.values_list("code", "label"))

    def idf(self, token: str) -> float:
        n, df = len(self.bags), self.df[token]
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def score(self, s: str, words: list[str]) -> float:
        bag, norm = self.bags[s], 1 - BM25_B + BM25_B * self.lengths[s] / (self.average or 1)
        total = 0.0
        for t in words:
            tf = bag.get(t, 0)
            if tf:
                total += self.idf(t) * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
        return total

    def search(self, query: Query, k: int = K) -> list[str]:
        text = " ".join(
            [query.text, *(self.labels.get(n, n) for n in query.needs), query.context_text]
        )
        words = sorted(set(keyword_tokens(text)))
        ranked = []
        for s, listing in self.listings.items():
            if checks.breaks(query, listing):
                continue
            score = self.score(s, words) if words else 0.0
            if words and not score:
                continue
            km = checks.nearest_km(query, listing)
            ranked.append((-score, math.inf if km is None else km, listing.name, s))
        ranked.sort()
        return [s for *_, s in ranked[:k]]
