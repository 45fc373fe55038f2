"""Working days stay right after the shipped bank holiday table runs out."""

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from core.working_days import (
    add_working_days,
    forget_holidays,
    is_working_day,
    standing_bank_holidays,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "bank-holidays-england-and-wales.csv"


def shipped() -> dict[int, set[date]]:
    years = defaultdict(set)
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["date"])
            years[day.year].add(day)
    return years


@pytest.mark.parametrize("year", sorted(shipped()))
def test_the_standing_rules_give_every_shipped_year(year):
    # 2024-2026 are GOV.UK's published dates, substitute days included.
    assert standing_bank_holidays(year) == shipped()[year]


@pytest.mark.django_db
def test_a_year_past_the_table_still_keeps_christmas_and_easter():
    forget_holidays()
    last = max(shipped())
    year = last + 1  # 2031: the table holds nothing for it
    assert not is_working_day(date(year, 12, 25))  # a Thursday
    assert not is_working_day(date(year, 12, 26))
    assert not is_working_day(date(year, 4, 11))  # Good Friday 2031
    assert not is_working_day(date(year, 4, 14))  # Easter Monday 2031
    assert is_working_day(date(year, 12, 24))
    assert add_working_days(date(year, 12, 24), 1) == date(year, 12, 29)
    # Christmas 2032 is a Saturday: Monday 27 and Tuesday 28 are the substitutes.
    assert add_working_days(date(year + 1, 12, 24), 1) == date(year + 1, 12, 29)
