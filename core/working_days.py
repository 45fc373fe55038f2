"""Working days in England: Monday to Friday, not bank holidays (`BankHoliday`, data)."""

from datetime import date, timedelta
from functools import lru_cache

from core.models import BankHoliday


@lru_cache(maxsize=1)
def _holidays(version: int) -> frozenset[date]:
    return frozenset(BankHoliday.objects.values_list("date", flat=True))


_version = 0


def holidays() -> frozenset[date]:
    return _holidays(_version)


def forget_holidays() -> None:
    """After the bank holiday table changes (import, tests)."""
    global _version
    _version += 1


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
