"""Small-number suppression for tables that leave the service, as NHS statistics do.

A count of 1–7 could identify someone, so it is shown as "<8" (primary suppression). Other
counts are rounded to the nearest 5, so that differences between published tables cannot
be used to recover an exact count of one or two people. Zero is shown as it is: it
describes nobody.

Hiding a cell is not enough when the table also shows a total: if a row total is 55 and
the other cells are 12 and 40, the hidden cell is 3. So every set of cells linked by
an additive identity (a row with its total, a column with its total) is a "group", and a
group with exactly one hidden cell gets a second one (secondary suppression). Hiding that
second cell can leave another group with a single hidden cell, so the rule is applied
until no group has exactly one.

This is the usual rule for published tables, not a full audit: it stops a hidden cell being
read off any single identity, not every combination of several.

Service staff looking at their own service see exact figures (`exact`); suppression is for
everything else (`protect`).
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

THRESHOLD = 8
SUPPRESSED = "<8"
# A cell hidden only so that a total cannot give a small one away: it is 8 or more, so
# "<8" would mislead the reader.
HIDDEN = "*"

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True)
class Shown:
    """One count as it may be published."""

    value: int  # the exact count; for internal use, never displayed when suppressed
    text: str  # what may be shown: "<8", "0", or the rounded count, e.g. "1,235"
    number: int | None  # the rounded count for charts and CSV; None when suppressed
    suppressed: bool
    secondary: bool  # suppressed only to protect another cell


def round_count(n: int) -> int:
    """n rounded to the nearest 5, halves up (8 → 10, 12 → 10, 13 → 15); 0 stays 0.

    Integer arithmetic on purpose: round(n / 5) * 5 would go through a float and round
    halves to even.
    """
    _check_count(n)
    return (n + 2) // 5 * 5


def protect(cells: Mapping[K, int], groups: Iterable[Sequence[K]] = ()) -> dict[K, Shown]:
    """Each cell as it may be published outside the service.

    `groups` lists the cells linked by an additive identity, each with its total last
    (`table_groups` builds them for a 2-D table). When a group has exactly one hidden cell,
    the smallest non-zero visible cell of that group is hidden too, the first of equals in
    the group's order, and the total only when no other cell will do: a total is the figure
    readers need most. Zeros are never chosen, because hiding a zero conceals nothing.
    """
    for value in cells.values():
        _check_count(value)
    groups = [list(group) for group in groups]
    for group in groups:
        for key in group:
            if key not in cells:
                raise KeyError(f"group {group!r} names {key!r}, which is not a cell")

    primary = {key for key, value in cells.items() if 0 < value < THRESHOLD}
    hidden = set(primary)
    # Each pass either hides another cell or ends the loop, so there are at most len(cells)
    # passes.
    changed = True
    while changed:
        changed = False
        for group in groups:
            if sum(key in hidden for key in group) != 1:
                continue
            extra = _second_cell(group, cells, hidden)
            # No candidate means every other cell is zero. In a group that adds up that
            # cannot happen (the total would equal the hidden cell and be hidden as well);
            # for a group without its total there is nothing left that could help.
            if extra is not None:
                hidden.add(extra)
                changed = True

    secondary = hidden - primary
    return {
        key: _shown(value, suppressed=key in hidden, secondary=key in secondary)
        for key, value in cells.items()
    }


def _second_cell(group: Sequence[K], cells: Mapping[K, int], hidden: set[K]) -> K | None:
    """The cell to hide so that the group's hidden cell cannot be worked out."""
    *parts, total = group
    for candidates in (parts, [total]):
        visible = [key for key in candidates if key not in hidden and cells[key] > 0]
        if visible:
            # min() returns the first of equal values, which is the tie-break we want.
            return min(visible, key=lambda key: cells[key])
    return None


def _shown(value: int, *, suppressed: bool, secondary: bool) -> Shown:
    if suppressed:
        text = HIDDEN if secondary else SUPPRESSED
        return Shown(value, text, None, suppressed=True, secondary=secondary)
    rounded = round_count(value)
    return Shown(value, f"{rounded:,}", rounded, suppressed=False, secondary=False)


def exact(cells: Mapping[K, int]) -> dict[K, Shown]:
    """Each cell exactly as counted, for staff inside the service who may see their own
    figures: no suppression and no rounding."""
    for value in cells.values():
        _check_count(value)
    return {
        key: Shown(value, f"{value:,}", value, suppressed=False, secondary=False)
        for key, value in cells.items()
    }


def table_groups(
    row_keys: Iterable[R],
    column_keys: Iterable[C],
    *,
    row_total_key: R | None = None,
    column_total_key: C | None = None,
) -> list[list[tuple[R, C]]]:
    """The groups of a 2-D table whose cells are keyed (row, column), each total last.

    Row totals live in the total column, at (row, column_total_key); column totals in the
    total row, at (row_total_key, column); the grand total at (row_total_key,
    column_total_key). `row_keys` and `column_keys` list the body of the table, without the
    total row or column. A row or column is a group even when the table has no total for
    it, because its total is usually published elsewhere (the headline figure).
    """
    rows, columns = list(row_keys), list(column_keys)
    groups: list[list[tuple[R, C]]] = []
    for row in rows:
        group: list[tuple[R, C]] = [(row, column) for column in columns]
        if column_total_key is not None:
            group.append((row, column_total_key))
        groups.append(group)
    for column in columns:
        group = [(row, column) for row in rows]
        if row_total_key is not None:
            group.append((row_total_key, column))
        groups.append(group)
    if row_total_key is not None and column_total_key is not None:
        grand_total = (row_total_key, column_total_key)
        groups.append([(row_total_key, column) for column in columns] + [grand_total])
        groups.append([(row, column_total_key) for row in rows] + [grand_total])
    # A lone cell is linked to nothing (a table with a single row or column has these).
    return [group for group in groups if len(group) > 1]


def rate_allowed(*shown: Shown) -> bool:
    """Whether a figure derived from these cells (a percentage, a mean) may be shown.

    Only when none is suppressed and every exact count is 0 or at least THRESHOLD: a rate
    over a denominator of 5 reveals the numerator as surely as printing it.
    """
    return all(not s.suppressed and (s.value == 0 or s.value >= THRESHOLD) for s in shown)


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a count cannot be negative, not {n!r}")
