"""Calendar arithmetic shared by schedules and reporting windows."""

from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month:
    31 January + 1 month is 28 (or 29) February."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def month_start(day: date) -> date:
    return day.replace(day=1)
