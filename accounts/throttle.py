"""Slow down password guessing: after too many failures for one email address, sign-in is
refused for a while, even with the right password."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import SignInAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def is_locked(email: str) -> bool:
    since = timezone.now() - WINDOW
    recent = SignInAttempt.objects.filter(email=email.strip().lower(), at__gte=since)
    successes = recent.filter(succeeded=True).order_by("-at")
    last_success = successes.values_list("at", flat=True).first()
    failures = recent.filter(succeeded=False)
    if last_success:
        failures = failures.filter(at__gt=last_success)
    return failures.count() >= MAX_FAILURES


def record_attempt(email: str, *, succeeded: bool) -> None:
    SignInAttempt.objects.create(email=email.strip().lower()[:254], succeeded=succeeded)
