"""Working days in England: Monday to Friday, not bank holidays (`BankHoliday`, data)."""

from datetime import date, timedelta
from time import monotonic

from core.models import BankHoliday

CACHE_SECONDS = 3600  # the table changes once a year or so; other processes catch up
_cache: tuple[float, frozenset[date]] = (float("-inf"), frozenset())


def holidays() -> frozenset[date]:
    global _cache
    loaded_at, days = _cache
    if monotonic() - loaded_at > CACHE_SECONDS:
        days = frozenset(BankHoliday.objects.values_list("date", flat=True))
        _cache = (monotonic(), days)
    return days


def forget_holidays() -> None:
    """After the bank holiday table changes (in this process at once; others within the
    hour)."""
    global _cache
    _cache = (float("-inf"), frozenset())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays()


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
