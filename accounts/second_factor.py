"""The second factor: an authenticator app (TOTP) with single-use recovery codes.

django-otp keeps the devices and the codes' arithmetic (ADR 0008); this module says who
needs one, whether a session has passed it, and what the pages show. Writes are in
`accounts/actions.py`.

A session is *verified* when django-otp's middleware finds, in the session, a confirmed
device of the signed-in person (`django_otp.login`). Until then only the pages marked with
`second_factor_not_required` answer (set up, enter a code, sign out); every other page sends
the person to set up or to enter a code (`accounts.middleware.SecondFactorMiddleware`).
Bearer-token APIs (FHIR) have no session and are not affected.

Demo accounts (`User.is_demo`) are let through only when LINKWORK_NONPROD is on: the demo's
documented logins keep working without a phone. Production never makes or honours one.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
# Fresh recovery codes wait here between the action that made them and the page (and the
# download) that shows them; "I have saved them" removes them. Never anywhere else.
FRESH_CODES_SESSION_KEY = "linkwork_fresh_recovery_codes"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def second_factor_not_required(view):
    """Mark a view (function or class) that a signed-in person may reach before passing
    the second factor."""
    view.second_factor_not_required = True
    return view


def is_exempt(view_func) -> bool:
    view_class = getattr(view_func, "view_class", None)
    return getattr(view_func, "second_factor_not_required", False) or getattr(
        view_class, "second_factor_not_required", False
    )


def skips_second_factor(user) -> bool:
    """Demo accounts skip it, and only in a non-production installation."""
    return bool(settings.LINKWORK_NONPROD and getattr(user, "is_demo", False))


def is_satisfied(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified()) or skips_second_factor(user)


def authenticator(user, *, confirmed=True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def secret_for_people(device: TOTPDevice) -> str:
    """The secret as typed into an app by hand: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The set-up QR code as SVG markup (pure Python; no image library, no external file)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10
    )
    svg = image.to_string(encoding="unicode")
    label = escape("QR code for your authenticator app. You can type the secret key instead.")
    # Sized by the stylesheet's width, labelled for screen readers, never scaled blurry.
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" class="lw-qr-code" shape-rendering="crispEdges" ',
        1,
    )


@dataclass
class Check:
    """What happened to a code typed by the person."""

    passed: bool
    device: object | None = None
    throttled_until: datetime | None = None
    used_recovery_code: bool = False

    @property
    def message(self) -> str:
        if self.passed:
            return ""
        if self.throttled_until is not None:
            return too_many_message(self.throttled_until)
        return WRONG_CODE


WRONG_CODE = (
    "The code is not right. Enter the 6-digit code your authenticator app shows now, or one "
    "of your recovery codes. Each code works once."
)


def too_many_message(until: datetime) -> str:
    seconds = max(1, ceil((until - timezone.now()).total_seconds()))
    if seconds < 120:
        wait = "1 second" if seconds == 1 else f"{seconds} seconds"
    else:
        wait = f"{ceil(seconds / 60)} minutes"
    return (
        f"Too many wrong codes. Wait {wait} and try again. If you have lost your "
        "authenticator app and your recovery codes, ask your administrator to reset your "
        "second factor."
    )


def looks_like_authenticator_code(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def normalise_code(code: str) -> str:
    """What people type: spaces and hyphens are ignored; recovery codes are lower case."""
    return "".join(c for c in code if c not in " -\t").lower()


def after_password(request, response):
    """The sign-in form's redirect, pointed at the second factor first (keeping the cookies
    the response sets), unless this account may skip it."""
    user = request.user
    if skips_second_factor(user):
        return response
    name = (
        "accounts:second_factor_verify"
        if has_second_factor(user)
        else "accounts:second_factor_set_up"
    )
    response["Location"] = f"{reverse(name)}?{urlencode({'next': response['Location']})}"
    return response
