"""Tests sign in as people do: the password, then the code from an authenticator app.

Every user made by `tests.factories.user` has a confirmed authenticator (made here);
`code(user)` is what their app would show. `client.force_login(user)` also passes the second
factor (root conftest), as signing in would; `force_login(user, second_factor=False)` gives
the session that has only passed the password, which every page but the second factor's
own refuses (accounts/tests/test_second_factor_views.py).
"""

import time

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import AUTHENTICATOR_NAME


def authenticator(user) -> TOTPDevice:
    """The person's confirmed authenticator, made with a random secret if they have none.
    (Test data: people make theirs on the set-up page, through accounts.actions.)"""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
    return device


def code(user=None, *, device=None, step_offset=None) -> str:
    """A code the person's app shows now that linkwork has not yet accepted: each 30-second
    step's code works once, so a second sign-in within a step uses the next step's (inside
    django-otp's tolerance), and a third waits for the clock."""
    device = device or authenticator(user)
    for _ in range(70):
        device.refresh_from_db()
        now = int((time.time() - device.t0) // device.step) + device.drift
        if step_offset is not None:
            return at_step(device, now + step_offset)
        for step in (now, now + 1):
            if step > device.last_t:
                return at_step(device, step)
        time.sleep(1)
    raise AssertionError("no unused authenticator code: is the clock stopped?")


def at_step(device: TOTPDevice, step: int) -> str:
    return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"


_force_login = ClientMixin.force_login


def force_login(self, user, backend=None, *, second_factor=True):
    """Client.force_login, as the sign-in form and the second factor together would leave
    the session (django-otp's `login` with the person's authenticator)."""
    _force_login(self, user, backend)
    if second_factor:
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()
