"""Slowing down password guessing, without letting a stranger lock a named person out.

Every try at signing in is written, and committed, *before* its password is checked; then
the tries are counted. Parallel tries therefore count each other: the n-th to commit sees at
least n, so however many arrive at once, no more than a limit's worth are checked.

Limits, over the last WINDOW (ADR 0006 says why these and why not django-axes):

- A browser that has signed in to the account before (a device cookie, `devices.py`):
  MAX_FAILURES failed tries for that account from that browser. Nothing else stops it.
- Any other browser:
  - MAX_FAILURES failed tries for the account from untrusted browsers, anywhere;
  - PER_ADDRESS_LIMIT failed tries from its network address, at any accounts (spraying);
  - OVERALL_LIMIT failed tries from untrusted browsers across the whole site (a botnet).

A success resets the count for the account (or the trusted browser) it was for. Addresses
whose accounts do not exist are counted exactly like real ones, and every refusal says the
same thing, so a refusal tells nobody whether an account exists.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts import actions, devices
from accounts.identifiers import normalise_email
from accounts.models import SignInAttempt, User
from core.client_address import client_address

WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
# Sized for one installation; a national one sets its own (more new browsers each day).
PER_ADDRESS_LIMIT = settings.SIGN_IN_PER_ADDRESS_LIMIT
OVERALL_LIMIT = settings.SIGN_IN_OVERALL_LIMIT

COUNTED = [SignInAttempt.Outcome.PENDING, SignInAttempt.Outcome.FAILED]
Outcome = SignInAttempt.Outcome


@dataclass
class Attempt:
    row: SignInAttempt
    account: User | None
    refused: bool


def begin(request, email: str) -> Attempt:
    """Record a try at signing in and decide whether its password may be checked.

    Call it outside any transaction (as the sign-in view is): the row must be committed
    before counting for parallel tries to see each other.
    """
    key = normalise_email(email)[:254]
    account = User.objects.find(key)
    row = actions.record_sign_in_attempt(
        email=key,
        address=client_address(request)[:45],
        device=devices.trusted_device(request, account),
    )
    refused = _over_a_limit(row)
    if refused:
        actions.record_sign_in_outcome(attempt=row, outcome=Outcome.REFUSED, account=account)
    return Attempt(row=row, account=account, refused=refused)


def finish(attempt: Attempt, *, user: User | None) -> None:
    """The password was checked: `user` is who signed in, or None if it was wrong."""
    actions.record_sign_in_outcome(
        attempt=attempt.row,
        outcome=Outcome.SUCCEEDED if user is not None else Outcome.FAILED,
        account=user or attempt.account,
    )


def _over_a_limit(row: SignInAttempt) -> bool:
    recent = SignInAttempt.objects.filter(at__gte=timezone.now() - WINDOW)
    if row.device:
        same_browser = recent.filter(email=row.email, device=row.device)
        return _failures_since_success(same_browser) > MAX_FAILURES
    untrusted = recent.filter(device="")
    return (
        _failures_since_success(untrusted.filter(email=row.email)) > MAX_FAILURES
        or untrusted.filter(address=row.address, outcome__in=COUNTED).count() > PER_ADDRESS_LIMIT
        or untrusted.filter(outcome__in=COUNTED).count() > OVERALL_LIMIT
    )


def _failures_since_success(tries) -> int:
    """Tries not yet known to be right (this one included), since the last that was."""
    last_success = tries.filter(outcome=Outcome.SUCCEEDED).aggregate(last=Max("id"))["last"]
    if last_success is not None:
        tries = tries.filter(id__gt=last_success)
    return tries.filter(outcome__in=COUNTED).count()
