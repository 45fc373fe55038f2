"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A browser that has signed in to an account gets a signed cookie naming that account. Later
sign-ins to the account from that browser are "trusted": they are limited on their own, so a
stranger guessing from elsewhere (who can lock out only untrusted browsers) never locks the
real person out of the browser they use. The cookie is bound to the account's password
hash, so it stops counting when the password changes; it says nothing to whoever reads it
beyond an account id, and only the server can make one.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

COOKIE = "linkwork_device"
SALT = "accounts.devices"
MAX_AGE = timedelta(days=180)
# A shared computer (a practice's consulting room) may be trusted for several accounts.
ACCOUNTS_PER_BROWSER = 10


def trusted_device(request, user) -> str:
    """The device id this browser holds for this account, or "" if it holds none."""
    if user is None:
        return ""
    tag = _tag(user)
    for entry in _entries(request):
        if entry.get("u") == str(user.pk) and constant_time_compare(entry.get("t", ""), tag):
            return entry.get("d", "")
    return ""


def remember_device(response, request, user) -> None:
    """After a successful sign-in: this browser is trusted for this account from now on."""
    device = trusted_device(request, user) or secrets.token_hex(16)
    others = [e for e in _entries(request) if e.get("u") != str(user.pk)]
    entries = [{"u": str(user.pk), "d": device, "t": _tag(user)}, *others]
    response.set_cookie(
        COOKIE,
        signing.dumps(entries[:ACCOUNTS_PER_BROWSER], salt=SALT, compress=True),
        max_age=int(MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _entries(request) -> list[dict]:
    value = request.COOKIES.get(COOKIE, "")
    if not value:
        return []
    try:
        entries = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict)]


def _tag(user) -> str:
    return salted_hmac(SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[:32]
