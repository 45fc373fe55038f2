"""One-time set-up links: how a new administrator chooses their first password (ADR 0007).

`create_admin` (and a system administrator, for an area's first service administrator) makes
an account with no usable password and a link holding a random token. Only the token's hash
is stored; the link works once, for 24 hours, and a newer link for the same account replaces
it. The writes are `accounts.actions.issue_set_up_link` and `complete_set_up`."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

LIFETIME = timedelta(hours=24)
NOT_VALID = (
    "This set-up link has expired, has already been used or is not a link we sent. Ask "
    "whoever set up your account for a new one."
)


def hash_token(token: str) -> str:
    # The token is 256 random bits: a plain hash cannot be reversed, and needs no salt.
    return hashlib.sha256(token.encode()).hexdigest()


def find_link(token: str):
    """The link a token opens, if it can still be used; None otherwise."""
    from accounts.models import SetUpLink

    return (
        SetUpLink.objects.select_related("user")
        .filter(
            token_hash=hash_token(token),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def link_url(token: str, request=None) -> str:
    """The full link to give the person: from the request's own address on a page, from
    LINKWORK_SITE_URL on the command line."""
    path = reverse("accounts:set_up_start", args=[token])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path
