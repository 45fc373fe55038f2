"""Tables of figures as shown on the dashboards, in the CSV downloads and behind the charts:
one object for all three, so the download always equals what is on screen.

Counts go through `Sheet`, which applies small-number suppression (and rounding) when the
figures leave the service, secondary suppression across the identities the table declares
(parts that add up to a total), and hides a derived figure — a rate, a mean, a median —
whenever it rests on fewer than 8 people or on a hidden count."""

import io
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from core import csv_safe
from reporting import suppression

NOT_SHOWN = "–"


@dataclass(frozen=True)
class Cell:
    text: str
    number: float | None = None  # what a chart draws; None when hidden or not a number
    hidden: bool = False


@dataclass
class Column:
    label: str
    numeric: bool = True


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    notes: list[str] = field(default_factory=list)
    chart: str = ""  # SVG, drawn from the same cells

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv_safe.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        for row in [*self.rows, *([self.total] if self.total else [])]:
            writer.writerow([c.text for c in row])
        return out.getvalue()

    @property
    def empty(self) -> bool:
        return not self.rows


class Sheet:
    """Collects a table's exact counts, then decides what may be shown of each."""

    def __init__(self, *, safe: bool):
        self.safe = safe
        self.counts: dict[Hashable, int] = {}
        self.groups: list[list[Hashable]] = []
        self._shown: dict | None = None

    def add(self, key: Hashable, value: int | None) -> None:
        self._still_collecting()
        self.counts[key] = int(value or 0)

    def identity(self, parts: Iterable[Hashable], total: Hashable) -> None:
        """These parts add up to this total: hiding exactly one of them is not enough."""
        self._still_collecting()
        self.groups.append([*parts, total])

    def _still_collecting(self) -> None:
        # Suppression decides over the whole table at once: a count added after the first
        # cell was shown could change what should have been hidden.
        if self._shown is not None:
            raise RuntimeError("Add every count to the sheet before showing any of them")

    @property
    def shown(self) -> dict:
        if self._shown is None:
            self._shown = (
                suppression.protect(self.counts, self.groups)
                if self.safe
                else suppression.exact(self.counts)
            )
        return self._shown

    def count(self, key: Hashable) -> Cell:
        shown = self.shown[key]
        return Cell(shown.text, shown.number, shown.suppressed)

    def allowed(self, *keys: Hashable) -> bool:
        """Whether a figure derived from these counts may be shown."""
        if not self.safe:
            return True
        return suppression.rate_allowed(*(self.shown[k] for k in keys))

    def derived(self, value: float | None, fmt: Callable[[float], str], *keys: Hashable) -> Cell:
        if value is None or not self.allowed(*keys):
            return Cell(NOT_SHOWN, None, hidden=value is not None)
        return Cell(fmt(value), value)


def text(value: str) -> Cell:
    return Cell(value)


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def one_place(value: float) -> str:
    return f"{value:.1f}"


def signed(value: float) -> str:
    return f"{value:+.1f}" if round(value, 1) != 0 else "0.0"


def days(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def money(value: float) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def interval(low: float | None, high: float | None, fmt=signed) -> str:
    if low is None or high is None:
        return NOT_SHOWN
    return f"{fmt(low)} to {fmt(high)}"


LEGEND = (
    "“<8”: between 1 and 7. “*”: 8 or more, hidden so that a total cannot reveal a small "
    "number. "
    "“–”: not shown, because it rests on fewer than 8 people or on a hidden number. "
    "Other counts are rounded to the nearest 5, so totals may not add up exactly."
)
