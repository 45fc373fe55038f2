"""Sessions end after 30 minutes idle and, however busy, 12 hours after signing in."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def signed_in(response) -> bool:
    return response.status_code == 200


def test_a_busy_session_ends_twelve_hours_after_sign_in(client, link_worker):
    page = reverse("casework:caseload")
    assert settings.SESSION_MAX_SECONDS == 12 * 60 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(link_worker)
        assert signed_in(client.get(page))
        # A request every 20 minutes: never idle long enough for the idle timeout.
        for _ in range(35):  # 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert signed_in(client.get(page))
        clock.shift(timedelta(minutes=21))  # 12 h 1 min after signing in
        response = client.get(page)
    assert response.status_code == 302
    assert response.url.startswith(reverse(settings.LOGIN_URL))
    # Signed out for good, not just turned away once.
    assert "_auth_user_id" not in client.session


def test_signing_in_again_starts_a_new_twelve_hours(client, link_worker):
    page = reverse("casework:caseload")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(link_worker)
        client.get(page)
        clock.shift(timedelta(hours=12, minutes=1))
        assert not signed_in(client.get(page))
        client.force_login(link_worker)
        assert signed_in(client.get(page))
        clock.shift(timedelta(minutes=20))
        assert signed_in(client.get(page))


def test_the_idle_timeout_still_applies(client, link_worker):
    page = reverse("casework:caseload")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(link_worker)
        assert signed_in(client.get(page))
        clock.shift(timedelta(minutes=31))
        assert not signed_in(client.get(page))


def test_the_lifetime_is_a_setting(client, link_worker, settings):
    settings.SESSION_MAX_SECONDS = 60 * 60
    page = reverse("casework:caseload")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(link_worker)
        client.get(page)
        for _ in range(3):
            clock.shift(timedelta(minutes=20))
            assert signed_in(client.get(page))
        clock.shift(timedelta(minutes=1))
        assert not signed_in(client.get(page))
