"""The questionnaires linkwork uses, read from `outcomes/data/instruments.json` (the
definitions are data), and the one module that scores them.

Scoring rules (product brief): ONS4 items are reported separately and never summed;
SWEMWBS raw 7–35 is converted by the Warwick table and is never prorated (an unanswered
item means no score); UCLA 3-item totals 3–9; GAD-7 0–21 and PHQ-9 0–27 with their bands;
a non-zero answer to PHQ-9 item 9 is a risk whatever the total. Meaningful change:
SWEMWBS ≥ 3 points; reliable improvement GAD-7 ≥ 4, PHQ-9 ≥ 6 (NHS Talking Therapies).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "instruments.json"

# Warwick Medical School's SWEMWBS raw → metric conversion table.
SWEMWBS_METRIC = {
    7: "7.00", 8: "9.51", 9: "11.25", 10: "12.40", 11: "13.33", 12: "14.08", 13: "14.75",
    14: "15.32", 15: "15.84", 16: "16.36", 17: "16.88", 18: "17.43", 19: "17.98", 20: "18.59",
    21: "19.25", 22: "19.98", 23: "20.73", 24: "21.54", 25: "22.35", 26: "23.21", 27: "24.11",
    28: "25.03", 29: "26.02", 30: "27.03", 31: "28.13", 32: "29.31", 33: "30.70", 34: "32.55",
    35: "35.00",
}  # fmt: skip

ONS4_BANDS = {
    # (low, high, label), inclusive
    "positive": [(0, 4, "Low"), (5, 6, "Medium"), (7, 8, "High"), (9, 10, "Very high")],
    "anxiety": [(0, 1, "Very low"), (2, 3, "Low"), (4, 5, "Medium"), (6, 10, "High")],
}
GAD7_BANDS = [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")]
PHQ9_BANDS = [
    (0, 4, "Minimal"),
    (5, 9, "Mild"),
    (10, 14, "Moderate"),
    (15, 19, "Moderately severe"),
    (20, 27, "Severe"),
]
# Improvement needed for a change to count, and which way is better.
MEANINGFUL_CHANGE = {
    "swemwbs": (Decimal("3"), +1),
    "gad7": (Decimal("4"), -1),
    "phq9": (Decimal("6"), -1),
}


@dataclass(frozen=True)
class Item:
    number: int
    key: str
    text: str
    risk_from: int | None = None  # an answer at or above this raises a safety alert


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    preamble: str
    licence: str
    scoring: str
    options: tuple[tuple[int, str], ...]
    items: tuple[Item, ...]

    @property
    def values(self) -> set[int]:
        return {value for value, _ in self.options}

    def label(self, value) -> str:
        return dict(self.options).get(value, str(value))

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


@dataclass
class Score:
    """What an instrument's answers come to: `measures` (name → number) for charts and
    change; `bands` (name → label); `complete`; and which items were risks."""

    complete: bool
    measures: dict[str, Decimal] = field(default_factory=dict)
    bands: dict[str, str] = field(default_factory=dict)
    risks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@cache
def instruments() -> dict[str, Instrument]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    found = {}
    for raw in data["instruments"]:
        found[raw["code"]] = Instrument(
            code=raw["code"],
            name=raw["name"],
            version=raw["version"],
            preamble=raw["preamble"],
            licence=raw["licence"],
            scoring=raw["scoring"],
            options=tuple((int(v), label) for v, label in raw["options"]),
            items=tuple(
                Item(n, i["key"], i["text"], i.get("risk_from"))
                for n, i in enumerate(raw["items"], start=1)
            ),
        )
    return found


def get(code: str) -> Instrument:
    try:
        return instruments()[code]
    except KeyError:
        raise ValueError(f"No questionnaire called {code!r}") from None


class InvalidAnswer(ValueError):
    pass


def clean_answers(instrument: Instrument, answers: dict) -> dict[str, int]:
    """Item key → answer value, every one checked; unanswered items are simply absent."""
    keys = {i.key for i in instrument.items}
    cleaned = {}
    for key, value in answers.items():
        if key not in keys:
            raise InvalidAnswer(f"{instrument.name} has no question {key!r}")
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"{value!r} is not an answer to {key!r}") from None
        if number not in instrument.values:
            raise InvalidAnswer(f"{number} is not one of the answers to {key!r}")
        cleaned[key] = number
    return cleaned


def risks(instrument: Instrument, answers: dict[str, int]) -> list[str]:
    """Keys of answered items that must raise a safety alert at once."""
    return [
        i.key
        for i in instrument.items
        if i.risk_from is not None and answers.get(i.key, -1) >= i.risk_from
    ]


def score(instrument: Instrument, answers: dict) -> Score:
    answers = clean_answers(instrument, answers)
    complete = all(i.key in answers for i in instrument.items)
    result = Score(complete=complete, risks=risks(instrument, answers))
    SCORERS[instrument.scoring](instrument, answers, result)
    return result


def _band(value, bands) -> str:
    return next(label for low, high, label in bands if low <= value <= high)


def _ons4(instrument, answers, result):
    for key, value in answers.items():
        result.measures[key] = Decimal(value)
        result.bands[key] = _band(value, ONS4_BANDS["anxiety" if key == "anxiety" else "positive"])


def _swemwbs(instrument, answers, result):
    if not result.complete:
        result.notes.append("Not scored: every item must be answered (SWEMWBS is never prorated)")
        return
    raw = sum(answers.values())
    result.measures["raw"] = Decimal(raw)
    result.measures["metric"] = Decimal(SWEMWBS_METRIC[raw])


def _total(bands):
    def scorer(instrument, answers, result):
        if not result.complete:
            result.notes.append("Not scored: every item must be answered")
            return
        total = sum(answers.values())
        result.measures["total"] = Decimal(total)
        if bands:
            result.bands["total"] = _band(total, bands)

    return scorer


def _ons_loneliness(instrument, answers, result):
    if "lonely" in answers:
        value = answers["lonely"]
        result.measures["lonely"] = Decimal(value)
        result.bands["lonely"] = instrument.label(value)
        if value == 1:
            result.notes.append("Chronic loneliness (often or always lonely)")


SCORERS = {
    "ons4": _ons4,
    "swemwbs": _swemwbs,
    "ucla3": _total(None),
    "ons_loneliness": _ons_loneliness,
    "gad7": _total(GAD7_BANDS),
    "phq9": _total(PHQ9_BANDS),
}

# The one number each instrument is charted and compared by.
HEADLINE = {
    "swemwbs": "metric",
    "ucla3": "total",
    "gad7": "total",
    "phq9": "total",
    "ons_loneliness": "lonely",
}
# Which way is better for each measure: +1 higher, -1 lower. ONS4 anxiety, loneliness
# scores, GAD-7 and PHQ-9 fall as people get better; the ONS loneliness answer runs from
# 1 "often/always" to 5 "never".
BETTER = {
    ("ons4", "satisfaction"): +1,
    ("ons4", "worthwhile"): +1,
    ("ons4", "happiness"): +1,
    ("ons4", "anxiety"): -1,
    ("swemwbs", "metric"): +1,
    ("ucla3", "total"): -1,
    ("ons_loneliness", "lonely"): +1,
    ("gad7", "total"): -1,
    ("phq9", "total"): -1,
}
# Ranges for charts: (lowest, highest) of each measure.
RANGES = {
    ("ons4", "satisfaction"): (0, 10),
    ("ons4", "worthwhile"): (0, 10),
    ("ons4", "happiness"): (0, 10),
    ("ons4", "anxiety"): (0, 10),
    ("swemwbs", "metric"): (7, 35),
    ("ucla3", "total"): (3, 9),
    ("gad7", "total"): (0, 21),
    ("phq9", "total"): (0, 27),
    ("ons_loneliness", "lonely"): (1, 5),
}


@dataclass(frozen=True)
class Change:
    before: Decimal
    after: Decimal
    difference: Decimal
    improved: bool | None  # None: no agreed direction/threshold
    meaningful: bool | None  # None: no agreed threshold for this measure

    def describe(self) -> str:
        if self.meaningful is None:
            return f"{self.difference:+}"
        if not self.meaningful:
            return f"{self.difference:+} (not a meaningful change)"
        direction = "improvement" if self.improved else "deterioration"
        return f"{self.difference:+} (meaningful {direction})"


def change(code: str, measure: str, before: Decimal, after: Decimal) -> Change:
    """Before → after, and whether it is a meaningful change either way (improvement or
    deterioration) where the instrument has an agreed threshold."""
    difference = after - before
    rule = MEANINGFUL_CHANGE.get(code) if measure == HEADLINE.get(code) else None
    if rule is None:
        return Change(before, after, difference, None, None)
    threshold, better = rule
    improvement = difference * better
    return Change(before, after, difference, improvement > 0, abs(difference) >= threshold)
