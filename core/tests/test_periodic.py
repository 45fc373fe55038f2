from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import periodic
from core.working_days import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()


def test_each_duty_runs_at_its_own_pace(monkeypatch):
    calls = []
    monkeypatch.setattr(
        periodic,
        "DUTIES",
        [
            ("core.tests.test_periodic.often", timedelta(minutes=15)),
            ("core.tests.test_periodic.daily", timedelta(hours=23)),
        ],
    )
    global often, daily
    often = lambda: calls.append("often") or "ok"  # noqa: E731
    daily = lambda: calls.append("daily") or "ok"  # noqa: E731
    with time_machine.travel(datetime(2026, 11, 26, 9, tzinfo=LONDON), tick=False) as clock:
        periodic.run_duties()
        clock.shift(timedelta(minutes=15))
        periodic.run_duties()
        periodic.run_duties()  # a doubled sweep does nothing more
        clock.shift(timedelta(days=1))
        periodic.run_duties()
    assert calls == ["often", "daily", "often", "often", "daily"]


def test_a_failing_duty_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(
        periodic,
        "DUTIES",
        [
            ("core.tests.test_periodic.broken", timedelta(minutes=15)),
            ("core.tests.test_periodic.fine", timedelta(minutes=15)),
        ],
    )
    global broken, fine

    def broken():
        raise RuntimeError("boom")

    fine = lambda: "ok"  # noqa: E731
    assert periodic.run_duties() == {
        "core.tests.test_periodic.broken": "failed",
        "core.tests.test_periodic.fine": "ok",
    }


def test_a_duty_is_booked_once_however_often_the_sweep_asks():
    # Booked, then asked again straight away (a second sweep, or the same one a minute on):
    # no second copy of any duty waits beside the first.
    first = periodic.book_due()
    assert sorted(first) == sorted(path for path, _ in periodic.DUTIES)
    assert periodic.book_due() == []
    assert DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH).count() == len(first)


def test_a_duty_is_booked_again_only_after_its_interval(run_tasks, monkeypatch):
    monkeypatch.setattr(
        periodic, "DUTIES", [("core.tests.test_periodic.fine", timedelta(minutes=15))]
    )
    global fine
    fine = lambda: "ok"  # noqa: E731
    duty = DBTaskResult.objects.filter(task_path=periodic.RUN_DUTY_PATH)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert periodic.book_due() == ["core.tests.test_periodic.fine"]
        run_tasks()
        assert duty.get().status == "SUCCESSFUL"
        clock.shift(timedelta(minutes=10))
        assert periodic.book_due() == []  # ran 10 minutes ago: not due yet
        clock.shift(timedelta(minutes=5))
        assert periodic.book_due() == ["core.tests.test_periodic.fine"]
    assert duty.filter(status="READY").count() == 1


def test_run_duty_refuses_what_is_not_a_periodic_duty():
    with pytest.raises(ValueError, match="not a periodic duty"):
        periodic.run_duty.call("os.remove")


# Working days in England


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day, substitute
    assert is_working_day(date(2026, 12, 29))


def test_adding_working_days():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(date(2026, 12, 24), 2) == date(2026, 12, 30)
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # over Easter
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4


def test_importing_gov_uk_bank_holidays(tmp_path):
    import json

    from django.core.management import call_command

    from core.working_days import is_working_day as working

    feed = tmp_path / "bank-holidays.json"
    feed.write_text(
        json.dumps(
            {"england-and-wales": {"events": [{"date": "2031-05-09", "title": "Extra holiday"}]}}
        )
    )
    call_command("import_bank_holidays", str(feed))
    assert not working(date(2031, 5, 9))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not GOV.UK's bank-holidays.json"):
        call_command("import_bank_holidays", str(bad))
