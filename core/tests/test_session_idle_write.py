"""A staff page is not a write: the session row is saved when it changes, and otherwise at
most once a minute to push its 30-minute idle expiry on (core.middleware.TOUCH_EVERY_SECONDS).
The idle timeout and the 12-hour limit still hold (test_session_lifetime.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.middleware import TOUCH_EVERY_SECONDS, TOUCHED_AT

pytestmark = pytest.mark.django_db


def session_writes(client, url):
    """The response, and the statements that wrote django_session while serving it."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if '"django_session"' in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    return response, writes


@pytest.fixture
def clock():
    # Frozen at the moment the test starts (the suite's clock, wherever it has been moved),
    # then moved on by the test: never a fixed date.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def page():
    return reverse("casework:caseload")


@pytest.fixture
def signed_in(client, link_worker, clock, page):
    """A link worker signed in, whose first page has just been served."""
    client.force_login(link_worker)
    assert client.get(page).status_code == 200
    return client


def test_the_setting_that_wrote_every_request_is_off():
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert TOUCH_EVERY_SECONDS == 60


def test_a_page_within_a_minute_of_the_last_write_writes_nothing(signed_in, clock, page):
    for _ in range(5):
        clock.shift(timedelta(seconds=11))  # 55 s after the first page in all
        response, writes = session_writes(signed_in, page)
        assert response.status_code == 200
        assert writes == []


def test_a_page_a_minute_after_the_last_write_writes_once(signed_in, clock, page):
    clock.shift(timedelta(seconds=TOUCH_EVERY_SECONDS + 1))
    response, writes = session_writes(signed_in, page)
    assert response.status_code == 200
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    # …and the next page, straight after, does not write again.
    clock.shift(timedelta(seconds=1))
    assert session_writes(signed_in, page)[1] == []


def test_a_write_moves_the_expiry_to_thirty_minutes_from_then(signed_in, clock, page):
    key = signed_in.session.session_key
    clock.shift(timedelta(minutes=5))
    signed_in.get(page)
    row = Session.objects.get(pk=key)
    assert row.expire_date == timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert row.get_decoded()[TOUCHED_AT] == timezone.now().timestamp()


def test_idle_thirty_one_minutes_signs_out(signed_in, clock, page):
    clock.shift(timedelta(seconds=30))  # a page that writes nothing…
    assert session_writes(signed_in, page)[1] == []
    clock.shift(timedelta(minutes=31))  # …then idle
    response = signed_in.get(page)
    assert response.status_code == 302
    assert response.url.startswith(reverse(settings.LOGIN_URL))


def test_idle_twenty_nine_minutes_after_the_last_write_is_still_signed_in(signed_in, clock, page):
    clock.shift(timedelta(minutes=29))
    assert signed_in.get(page).status_code == 200


def test_a_session_used_every_fifty_seconds_slides_on_with_fewer_writes(signed_in, clock, page):
    requests = writes = 0
    for _ in range(48):  # 40 minutes: longer than the idle timeout
        clock.shift(timedelta(seconds=50))
        response, written = session_writes(signed_in, page)
        assert response.status_code == 200
        requests += 1
        writes += len(written)
    assert 0 < writes <= requests // 2


def test_signing_out_within_the_minute_still_ends_the_session(client, link_worker, clock):
    # Signing out changes the session: it is written whatever the minute says.
    client.force_login(link_worker)
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(pk=key).exists()


def test_a_visitor_without_a_session_gets_no_session_row(client, clock):
    before = Session.objects.count()
    response = client.get(reverse(settings.LOGIN_URL))
    assert response.status_code == 200
    assert Session.objects.count() == before


def test_an_expired_or_unknown_session_cookie_makes_no_new_row(client, clock):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32  # no such session
    before = Session.objects.count()
    client.get(reverse(settings.LOGIN_URL))
    clock.shift(timedelta(minutes=2))
    client.get(reverse(settings.LOGIN_URL))
    assert Session.objects.count() == before


def test_twelve_hours_still_ends_a_busy_session(signed_in, clock, page):
    # A page every 20 minutes (each one writes: more than a minute apart) until 12 h 1 min.
    for _ in range(36):
        clock.shift(timedelta(minutes=20))
        assert signed_in.get(page).status_code == 200
    clock.shift(timedelta(minutes=1, seconds=1))
    response = signed_in.get(page)
    assert response.status_code == 302
