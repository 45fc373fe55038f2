"""The switch that runs the whole suite on another date (tests/clock_plugin.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests import clock_plugin


def test_no_setting_leaves_the_clock_alone(monkeypatch):
    monkeypatch.delenv(clock_plugin.OFFSET_DAYS, raising=False)
    monkeypatch.delenv(clock_plugin.NOW, raising=False)
    assert clock_plugin.moved_clock() is None


def test_an_offset_in_days(monkeypatch):
    monkeypatch.delenv(clock_plugin.NOW, raising=False)
    monkeypatch.setenv(clock_plugin.OFFSET_DAYS, "400")
    expected = datetime.now(UTC) + timedelta(days=400)
    assert abs(clock_plugin.moved_clock() - expected) < timedelta(minutes=1)


def test_a_moment_in_london_time(monkeypatch):
    monkeypatch.delenv(clock_plugin.OFFSET_DAYS, raising=False)
    monkeypatch.setenv(clock_plugin.NOW, "2028-07-01T10:00")
    assert clock_plugin.moved_clock() == datetime(2028, 7, 1, 9, tzinfo=UTC)  # BST


@pytest.mark.parametrize(
    ("offset", "now", "message"),
    [
        ("a year", "", "whole number of days"),
        ("", "next week", "ISO date and time"),
        ("400", "2028-07-01", "not both"),
    ],
)
def test_bad_settings_are_named(monkeypatch, offset, now, message):
    monkeypatch.setenv(clock_plugin.OFFSET_DAYS, offset)
    monkeypatch.setenv(clock_plugin.NOW, now)
    with pytest.raises(ValueError, match=message):
        clock_plugin.moved_clock()


def test_when_moved_every_test_sees_the_moved_clock():
    # Meaningful in CI's second SQLite run; a plain run moves nothing.
    target = clock_plugin._target
    assert target is None or timezone.now() >= target
