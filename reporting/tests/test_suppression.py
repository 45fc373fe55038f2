"""Small-number suppression against tables worked by hand, and properties over generated
tables."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.suppression import (
    SUPPRESSED,
    THRESHOLD,
    Shown,
    exact,
    protect,
    rate_allowed,
    round_count,
    table_groups,
)

T = "Total"


def table(rows: dict[str, list[int]], columns: list[str]) -> dict[tuple[str, str], int]:
    """Cells keyed (row, column) from rows of counts written out as in the comments."""
    return {
        (row, column): value
        for row, values in rows.items()
        for column, value in zip(columns, values, strict=True)
    }


def hidden(shown: dict) -> set:
    return {key for key, s in shown.items() if s.suppressed}


def assert_no_group_reveals_a_cell(shown: dict, groups) -> None:
    """The invariant: every group has 0 or at least 2 hidden cells, so no hidden cell can
    be worked out from the others in its group."""
    for group in groups:
        count = sum(shown[key].suppressed for key in group)
        assert count != 1, f"group {group} has exactly one hidden cell"


# Primary and secondary suppression, hand-worked


def test_single_row_with_its_total():
    # 12 + 3 + 40 = 55. 3 is 1–7: primary. The row group then has one hidden cell, which
    # 55 - 12 - 40 would reveal, so the smallest other non-zero part (12, not 40) goes too.
    cells = {"a": 12, "b": 3, "c": 40, "total": 55}
    shown = protect(cells, [["a", "b", "c", "total"]])
    assert [shown[k].text for k in cells] == ["*", "<8", "40", "55"]
    assert shown["b"].suppressed and not shown["b"].secondary
    assert shown["a"].suppressed and shown["a"].secondary
    assert (shown["a"].number, shown["b"].number, shown["c"].number) == (None, None, 40)
    assert shown["a"].value == 12  # the exact count stays available inside the code


def test_three_by_three_cascade_to_a_rectangle():
    #          X    Y    Z  Total
    #   A      5   10   30    45
    #   B     12   14   20    46
    #   C     25   22    9    56
    #   Total 42   46   59   147
    #
    # Groups in order: rows A, B, C, columns X, Y, Z, the total row, the total column.
    # Primary: (A, X) = 5, the only count in 1–7 (9 is not).
    # Row A [5*, 10, 30 | 45]: one hidden → hide the smallest other part, (A, Y) = 10.
    # Rows B and C: nothing hidden.
    # Column X [5*, 12, 25 | 42]: one hidden → hide (B, X) = 12.
    # Column Y [10*, 14, 22 | 46]: one hidden, (A, Y) from row A → hide (B, Y) = 14.
    # Column Z, the total row, the total column: nothing hidden.
    # Second pass: row B [12*, 14*, 20 | 46] now has two; every group has 0 or 2 → stop.
    columns = ["X", "Y", "Z", T]
    cells = table(
        {
            "A": [5, 10, 30, 45],
            "B": [12, 14, 20, 46],
            "C": [25, 22, 9, 56],
            T: [42, 46, 59, 147],
        },
        columns,
    )
    groups = table_groups("ABC", "XYZ", row_total_key=T, column_total_key=T)
    shown = protect(cells, groups)
    assert hidden(shown) == {("A", "X"), ("A", "Y"), ("B", "X"), ("B", "Y")}
    assert [key for key in hidden(shown) if not shown[key].secondary] == [("A", "X")]
    assert_no_group_reveals_a_cell(shown, groups)


def test_a_longer_cascade_needs_a_second_pass():
    #          X    Y    Z  Total
    #   A      5   10   30    45
    #   B     12   20   15    47
    #   C     25   11   40    76
    #   Total 42   41   85   168
    #
    # First pass:
    #   row A    [5*, 10, 30 | 45]     → hide (A, Y) = 10
    #   column X [5*, 12, 25 | 42]     → hide (B, X) = 12
    #   column Y [10*, 20, 11 | 41]    → hide (C, Y) = 11 (smaller than 20)
    # Second pass:
    #   row B    [12*, 20, 15 | 47]    → hide (B, Z) = 15
    #   row C    [25, 11*, 40 | 76]    → hide (C, X) = 25
    #   column Z [30, 15*, 40 | 85]    → hide (A, Z) = 30
    # Third pass: row A has 3 hidden, B 2, C 2, X 3, Y 2, Z 2, totals 0 → stop.
    # Seven of the nine body cells end up hidden to protect one count of 5.
    columns = ["X", "Y", "Z", T]
    cells = table(
        {
            "A": [5, 10, 30, 45],
            "B": [12, 20, 15, 47],
            "C": [25, 11, 40, 76],
            T: [42, 41, 85, 168],
        },
        columns,
    )
    groups = table_groups("ABC", "XYZ", row_total_key=T, column_total_key=T)
    shown = protect(cells, groups)
    assert hidden(shown) == {
        ("A", "X"),
        ("A", "Y"),
        ("A", "Z"),
        ("B", "X"),
        ("B", "Z"),
        ("C", "X"),
        ("C", "Y"),
    }
    assert_no_group_reveals_a_cell(shown, groups)


def test_a_total_in_one_to_seven_is_itself_primary():
    # 4 + 0 + 2 = 6: all three non-zero counts are 1–7, so the group already has three
    # hidden cells and nothing is hidden for the others' sake. The zero is shown.
    cells = {"a": 4, "b": 0, "c": 2, "total": 6}
    shown = protect(cells, [["a", "b", "c", "total"]])
    assert [shown[k].text for k in cells] == ["<8", "0", "<8", "<8"]
    assert not any(s.secondary for s in shown.values())
    assert shown["total"].number is None


def test_zeros_are_never_chosen():
    # 0 + 5 + 0 + 20 = 25. Hiding a zero would conceal nothing, so the secondary cell is 20,
    # even though both zeros are smaller.
    cells = {"a": 0, "b": 5, "c": 0, "d": 20, "total": 25}
    shown = protect(cells, [["a", "b", "c", "d", "total"]])
    assert [shown[k].text for k in cells] == ["0", "<8", "0", "*", "25"]
    assert shown["d"].secondary
    assert shown["a"].number == 0 and not shown["a"].suppressed


def test_the_total_is_chosen_only_when_no_other_cell_will_do():
    # Two identities share the count 20:
    #   5 + 20 = 25   (first group)
    #   20 + 0 = 20   (second group, total last)
    # 5 is primary. First group: one hidden → the other part, 20, goes (not the total 25).
    # Second group: 20 is now its one hidden cell; the only other part is 0, so its total
    # (also 20, and it would give the hidden part away) has to go.
    cells = {"five": 5, "twenty": 20, "first_total": 25, "zero": 0, "second_total": 20}
    groups = [["five", "twenty", "first_total"], ["twenty", "zero", "second_total"]]
    shown = protect(cells, groups)
    assert hidden(shown) == {"five", "twenty", "second_total"}
    assert shown["first_total"].text == "25"
    assert shown["second_total"].secondary
    assert_no_group_reveals_a_cell(shown, groups)


def test_ties_go_to_the_first_in_the_groups_order():
    # 3 + 10 + 10 = 23: the two 10s tie, and the first is hidden.
    shown = protect({"a": 3, "b": 10, "c": 10, "t": 23}, [["a", "b", "c", "t"]])
    assert hidden(shown) == {"a", "b"}


def test_without_groups_only_primary_suppression_applies():
    shown = protect({"a": 3, "b": 10})
    assert hidden(shown) == {"a"}


def test_every_count_from_one_to_seven_is_hidden_and_eight_is_not():
    shown = protect({n: n for n in range(10)})
    assert [shown[n].text for n in range(10)] == ["0"] + [SUPPRESSED] * 7 + ["10", "10"]
    assert THRESHOLD == 8


def test_a_group_naming_an_unknown_cell_is_refused():
    with pytest.raises(KeyError, match="missing"):
        protect({"a": 10}, [["a", "missing"]])


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        protect({"a": -1})


# Rounding


@pytest.mark.parametrize(
    ("n", "rounded"),
    [(0, 0), (8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (22, 20), (23, 25),
     (1234, 1235), (1232, 1230)],
)  # fmt: skip
def test_round_count_to_the_nearest_five(n, rounded):
    # n/5 has a fractional part of .0, .2, .4, .6 or .8: .4 rounds down (12 → 10), .6 up
    # (13 → 15).
    assert round_count(n) == rounded


def test_shown_counts_are_rounded_with_thousands_separators():
    shown = protect({"a": 1234, "b": 0, "c": 1_000_001})
    assert shown["a"] == Shown(1234, "1,235", 1235, suppressed=False, secondary=False)
    assert shown["b"] == Shown(0, "0", 0, suppressed=False, secondary=False)
    assert shown["c"].text == "1,000,000"


def test_exact_neither_suppresses_nor_rounds():
    shown = exact({"a": 3, "b": 1234, "c": 0})
    assert shown["a"] == Shown(3, "3", 3, suppressed=False, secondary=False)
    assert shown["b"].text == "1,234" and shown["b"].number == 1234
    assert shown["c"].text == "0"


# Derived figures


def test_rate_allowed_only_on_counts_that_could_be_shown_exactly():
    shown = protect({"numerator": 12, "denominator": 40, "small": 3, "zero": 0})
    assert rate_allowed(shown["numerator"], shown["denominator"])
    assert rate_allowed(shown["zero"], shown["denominator"])  # 0 of 40 is 0%
    assert not rate_allowed(shown["small"], shown["denominator"])
    # Inside the service nothing is suppressed, but 3 of 40 is still 3 people.
    inside = exact({"small": 3, "denominator": 40})
    assert not rate_allowed(inside["small"], inside["denominator"])


def test_rate_is_not_allowed_on_a_secondary_suppressed_cell():
    shown = protect({"a": 12, "b": 3, "t": 15}, [["a", "b", "t"]])
    assert shown["a"].secondary and not rate_allowed(shown["a"], shown["t"])


# Groups of a table


def test_table_groups_for_two_by_two_with_margins():
    groups = table_groups(["r1", "r2"], ["c1", "c2"], row_total_key=T, column_total_key=T)
    assert groups == [
        [("r1", "c1"), ("r1", "c2"), ("r1", T)],  # row r1 and its total
        [("r2", "c1"), ("r2", "c2"), ("r2", T)],
        [("r1", "c1"), ("r2", "c1"), (T, "c1")],  # column c1 and its total
        [("r1", "c2"), ("r2", "c2"), (T, "c2")],
        [(T, "c1"), (T, "c2"), (T, T)],  # the total row and the grand total
        [("r1", T), ("r2", T), (T, T)],  # the total column and the grand total
    ]


def test_table_groups_without_margins():
    assert table_groups(["r1", "r2"], ["c1", "c2"]) == [
        [("r1", "c1"), ("r1", "c2")],
        [("r2", "c1"), ("r2", "c2")],
        [("r1", "c1"), ("r2", "c1")],
        [("r1", "c2"), ("r2", "c2")],
    ]
    # A single column without totals: each row is one cell, linked to nothing.
    assert table_groups(["r1", "r2"], ["c1"]) == [[("r1", "c1"), ("r2", "c1")]]


# Properties

bodies = st.integers(1, 6).flatmap(
    lambda columns: st.lists(
        st.lists(st.integers(0, 40), min_size=columns, max_size=columns), min_size=1, max_size=6
    )
)


def with_margins(body: list[list[int]], *, row_totals: bool, column_totals: bool):
    """Cells and groups for a table body, with the chosen totals added up from it."""
    rows, columns = range(len(body)), range(len(body[0]))
    cells = {(r, c): body[r][c] for r in rows for c in columns}
    if column_totals:  # the total column: one total per row
        cells |= {(r, T): sum(body[r]) for r in rows}
    if row_totals:  # the total row: one total per column
        cells |= {(T, c): sum(body[r][c] for r in rows) for c in columns}
    if row_totals and column_totals:
        cells[(T, T)] = sum(map(sum, body))
    groups = table_groups(
        rows,
        columns,
        row_total_key=T if row_totals else None,
        column_total_key=T if column_totals else None,
    )
    return cells, groups


def assert_the_rules_hold(cells, shown):
    for key, value in cells.items():
        if 0 < value < THRESHOLD:
            assert shown[key].suppressed and not shown[key].secondary
        if value == 0:
            assert not shown[key].suppressed and shown[key].text == "0"
        assert shown[key].secondary == (shown[key].suppressed and value >= THRESHOLD)


@given(bodies)
def test_tables_with_margins_never_reveal_a_hidden_cell(body):
    # Hypothesis's deadline also checks that protect terminates, quickly.
    cells, groups = with_margins(body, row_totals=True, column_totals=True)
    shown = protect(cells, groups)
    assert_no_group_reveals_a_cell(shown, groups)
    assert_the_rules_hold(cells, shown)


@given(bodies, st.booleans(), st.booleans())
def test_tables_with_some_margins_hide_all_they_can(body, row_totals, column_totals):
    # Without a total, a row such as [3, 0, 0] keeps a single hidden cell: every other cell
    # is zero, and hiding a zero would conceal nothing. That is the only exception.
    cells, groups = with_margins(body, row_totals=row_totals, column_totals=column_totals)
    shown = protect(cells, groups)
    for group in groups:
        hidden_cells = [key for key in group if shown[key].suppressed]
        if len(hidden_cells) == 1:
            assert all(cells[key] == 0 for key in group if key not in hidden_cells)
    assert_the_rules_hold(cells, shown)
