"""Run the whole suite with the clock moved, to prove no test depends on today's date.

    LINKWORK_TEST_CLOCK_OFFSET_DAYS=400 make test     # the clock 400 days ahead of now
    LINKWORK_TEST_NOW=2028-03-15T10:00 make test      # the clock at that moment (London time)

time-machine travels there (ticking) before anything is collected, so fixtures, migrations,
the live server and the worker code all see the moved date. Tests that use time-machine
themselves still work: travels nest, and each one returns to the moved clock when it ends.

The database's own clock (PostgreSQL `now()`, SQLite `CURRENT_TIMESTAMP`) does not move, so
linkwork never reads time from the database: every timestamp comes from `timezone.now()`.
Neither does the clock of Chromium in the browser journeys, nor of any subprocess.
"""

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

OFFSET_DAYS = "LINKWORK_TEST_CLOCK_OFFSET_DAYS"
NOW = "LINKWORK_TEST_NOW"
LONDON = ZoneInfo("Europe/London")

_traveller: time_machine.travel | None = None
_target: datetime | None = None


def moved_clock() -> datetime | None:
    """Where the environment asks the clock to be, or None to leave it alone."""
    offset, at = os.environ.get(OFFSET_DAYS, "").strip(), os.environ.get(NOW, "").strip()
    if offset and at:
        raise ValueError(f"Set {OFFSET_DAYS} or {NOW}, not both")
    if offset:
        try:
            days = int(offset)
        except ValueError:
            raise ValueError(
                f"{OFFSET_DAYS} must be a whole number of days, not {offset!r}"
            ) from None
        return datetime.now(UTC) + timedelta(days=days)
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise ValueError(f"{NOW} must be an ISO date and time, not {at!r}") from None
        # A naive time means London's; hand time-machine UTC so that it leaves TZ alone.
        return (moment if moment.tzinfo else moment.replace(tzinfo=LONDON)).astimezone(UTC)
    return None


def pytest_configure(config):
    global _traveller, _target
    _target = moved_clock()
    if _target is not None and _traveller is None:
        _traveller = time_machine.travel(_target, tick=True)
        _traveller.start()


def pytest_unconfigure(config):
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config):
    if _target is None:
        return None
    setting = " ".join(
        f"{name}={os.environ[name]}" for name in (OFFSET_DAYS, NOW) if os.environ.get(name)
    )
    return f"clock moved to {_target.astimezone(LONDON):%Y-%m-%d %H:%M %Z} by {setting}"
