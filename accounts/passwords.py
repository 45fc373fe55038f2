"""Passwords: what makes one acceptable (NCSC guidance), the one-time reset link, and the
background task that sends it.

NCSC password guidance ("Password administration for system owners"): length, not
complexity. We ask for at least 12 characters and allow up to 200, so a passphrase of
several words fits; we make no rules about digits, capitals or symbols; we refuse the
commonly used passwords (Django's list) and passwords built from the person's own name or
email address; and passwords never expire (forced changes make people pick weaker ones).

A reset link is `PasswordResetTokenGenerator`'s token: it holds no state of its own, and
stops working when the password changes (so it works once), when the person signs in, when
the account is switched off, and after PASSWORD_RESET_TIMEOUT (an hour).
"""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from core import queues

MAX_LENGTH = 200
# Reset links asked for, per network address, and emails sent, per account, in an hour.
RESET_WINDOW = timedelta(hours=1)
RESET_REQUESTS_PER_ADDRESS = 10
RESET_EMAILS_PER_ACCOUNT = 3


class ResetTokenGenerator(PasswordResetTokenGenerator):
    # Its own salt: a token made for another purpose (a set-up link) is not a reset token.
    key_salt = "linkwork.accounts.passwords.ResetTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Switching an account off ends the links already sent to it, and switching it back
        # on does not revive them (each switch moves the session generation on).
        base = super()._make_hash_value(user, timestamp)
        return f"{base}{user.is_active}{user.session_generation}"


reset_tokens = ResetTokenGenerator()


def reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": reset_tokens.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


@task(queue_name=queues.TIME_CRITICAL)
def send_reset_link(email: str) -> str:
    """Run by the worker for every request, known address or not, so that the page answers
    in the same time whether or not there is an account (and says the same thing)."""
    from accounts import actions
    from accounts.models import User

    user = User.objects.find(email)
    if user is None or not user.is_active or not user.has_usable_password():
        return "nothing sent"
    message = actions.send_password_reset_link(user=user)
    return "sent" if message is not None else "limit reached"


def too_many_reset_requests(address: str) -> bool:
    """More than RESET_REQUESTS_PER_ADDRESS requests from this network address in the last
    hour, this one included (it is in the audit trail before this is asked)."""
    from django.utils import timezone

    from core.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            verb="password_reset_requested",
            at__gte=timezone.now() - RESET_WINDOW,
            detail__address=address,
        ).count()
        > RESET_REQUESTS_PER_ADDRESS
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


class PersonalDetailsValidator:
    """Refuses a password that contains the person's name or the name part of their email
    address. Django's UserAttributeSimilarityValidator compares the whole password with
    them, so a long passphrase with the name in it passes that one."""

    def validate(self, password, user=None):
        if user is None:
            return
        folded = _fold(password)
        compact = re.sub(r"\W+", "", folded)
        local = (getattr(user, "email", "") or "").split("@")[0]
        for detail in (getattr(user, "full_name", ""), local):
            whole = re.sub(r"\W+", "", _fold(detail))
            parts = [p for p in re.split(r"[\W\d_]+", _fold(detail)) if p]
            # Short parts (Li, Rao) only count as whole words: as a substring they would
            # refuse too much ("rao" in "paraorchid").
            found = (len(whole) >= 4 and whole in compact) or any(
                (len(p) >= 4 and p in folded)
                or (len(p) == 3 and re.search(rf"(?<![^\W\d_]){re.escape(p)}(?![^\W\d_])", folded))
                for p in parts
            )
            if found:
                raise ValidationError(
                    "Your password must not contain your name or email address",
                    code="password_personal",
                )

    def get_help_text(self):
        return "Your password must not contain your name or email address."


class MaximumLengthValidator:
    """Long passphrases are welcome; this only stops absurd lengths."""

    def __init__(self, max_length=MAX_LENGTH):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer",
                code="password_too_long",
            )

    def get_help_text(self):
        return f"Your password can be up to {self.max_length} characters long."
