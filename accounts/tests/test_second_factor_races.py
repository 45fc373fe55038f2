"""Wrong second-factor codes are throttled, and codes used once, however many tries arrive
at once (each thread has its own database connection, as parallel requests would)."""

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import actions
from accounts.tests.test_sign_in_throttle import race
from tests import second_factor


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_are_checked_one_at_a_time_and_throttled(link_worker, settings):
    # A back-off long enough that every thread, however slowly a loaded machine serialises
    # them, arrives inside it (the production second doubles with each wrong code).
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    settings.OTP_STATIC_THROTTLE_FACTOR = 600
    results = race(
        [
            lambda i=i: actions.check_second_factor(user=link_worker, code=f"{i:06d}")
            for i in range(20)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert not any(r.passed for r in results)
    # One wrong code was checked; every other try waited for it, saw the back-off, and was
    # refused unchecked with the message that says so.
    device = TOTPDevice.objects.get(user=link_worker)
    assert device.throttling_failure_count == 1
    throttled = [r for r in results if r.throttled_until is not None]
    assert len(throttled) == 19
    assert "Too many wrong codes" in throttled[0].message
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_in_parallel_passes_once(link_worker):
    code = second_factor.code(link_worker)
    results = race(
        [lambda: actions.check_second_factor(user=link_worker, code=code) for _ in range(12)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.passed for r in results) == 1


@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_sent_in_parallel_passes_once(link_worker):
    recovery = actions.regenerate_recovery_codes(by=link_worker)[0]
    results = race(
        [lambda: actions.check_second_factor(user=link_worker, code=recovery) for _ in range(12)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.passed for r in results) == 1
