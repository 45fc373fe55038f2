"""Working days in England: Monday to Friday, not bank holidays (`BankHoliday`, data).

A year the table does not cover yet (GOV.UK publishes about two years ahead, and the shipped
table ends in 2030) falls back to the standing rules, rather than counting Christmas as a
working day. One-off holidays need the table: `manage.py import_bank_holidays`."""

from datetime import date, timedelta
from functools import cache
from time import monotonic

from core.models import BankHoliday

CACHE_SECONDS = 3600  # the table changes once a year or so; other processes catch up
_EMPTY: tuple[float, frozenset[date], frozenset[int]] = (float("-inf"), frozenset(), frozenset())
_cache = _EMPTY  # when loaded, the days, and the years the table covers


def _table() -> tuple[float, frozenset[date], frozenset[int]]:
    global _cache
    if monotonic() - _cache[0] > CACHE_SECONDS:
        days = frozenset(BankHoliday.objects.values_list("date", flat=True))
        _cache = (monotonic(), days, frozenset(day.year for day in days))
    return _cache


def holidays() -> frozenset[date]:
    return _table()[1]


def _easter_sunday(year: int) -> date:
    # The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


@cache
def standing_bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays by the standing rules, with substitute days, and no
    one-off holidays."""
    easter = _easter_sunday(year)
    days = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    # New Year's Day, Christmas Day and Boxing Day move to the next free weekday.
    for fixed in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        day = fixed
        while day.weekday() >= 5 or day in days:
            day += timedelta(days=1)
        days.add(day)
    return frozenset(days)


def is_bank_holiday(day: date) -> bool:
    _, table, years = _table()
    if day.year in years:
        return day in table
    return day in standing_bank_holidays(day.year)


def forget_holidays() -> None:
    """After the bank holiday table changes (in this process at once; others within the
    hour)."""
    global _cache
    _cache = _EMPTY


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
