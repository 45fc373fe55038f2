"""Confirming it's you before a sensitive action.

A session remembers when its owner last proved who they are (signing in, or the "Confirm
it's you" page). Sensitive actions (downloading a pseudonymised extract, choosing who
receives one, changing someone's role or switching an account off) need that to be recent:
otherwise the person is sent to confirm, and then back to where they were. A session left
open on an unlocked computer cannot be used for them by whoever sits down at it.

Use it in a view, after its permission check (so that someone who may not do the thing is
refused, not asked for their password first):

    def download(request, pk):
        require_permission(request.user, Permission.EXTRACT_PERSON_LEVEL)
        if confirm := reauth.confirm_first(request, return_to="reporting:extracts"):
            return confirm
        ...

or as a decorator, when the view has no permission check of its own to come first:

    @require_recent_auth(return_to="staff:list")
    def change_role(request, pk): ...

`return_to` is where to come back to after confirming when the request was a POST (a form
cannot be sent again by a redirect, so the person is brought back to the page with the
form); a GET comes back to itself.

The second factor: `mark_confirmed(request)` is the one place a confirmation is recorded.
The "Confirm it's you" page asks for the password with `ConfirmForm`; to ask for an
authenticator code as well, subclass it (add the field, check it in `check_second_factor`)
and set `reauth.confirm_form_class` to the subclass when the app loads.
"""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.forms import ActionFormMixin

CONFIRMED_AT = "linkwork_confirmed_at"
MAX_AGE = timedelta(minutes=15)
# Wrong passwords on the confirm page before the session is signed out: a session in the
# wrong hands must not become a way to guess the password without the sign-in limits.
MAX_FAILURES = 5
FAILURES = "linkwork_confirm_failures"


def mark_confirmed(request) -> None:
    request.session[CONFIRMED_AT] = timezone.now().timestamp()
    request.session.pop(FAILURES, None)


def confirmed_recently(request, max_age: timedelta = MAX_AGE) -> bool:
    at = request.session.get(CONFIRMED_AT)
    if at is None:
        return False
    age = timezone.now().timestamp() - at
    return 0 <= age <= max_age.total_seconds()


def confirm_first(request, *, max_age: timedelta = MAX_AGE, return_to: str | None = None):
    """None if the user confirmed it was them within `max_age`; otherwise a redirect to the
    "Confirm it's you" page, which sends them back afterwards."""
    if confirmed_recently(request, max_age):
        return None
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:
        back = resolve_url(return_to or settings.LOGIN_REDIRECT_URL)
    return redirect(f"{reverse('accounts:confirm_its_you')}?{urlencode({'next': back})}")


def require_recent_auth(view=None, *, max_age: timedelta = MAX_AGE, return_to: str | None = None):
    """Decorator form of `confirm_first`: `@require_recent_auth` or
    `@require_recent_auth(max_age=timedelta(minutes=5), return_to="app:page")`."""

    def decorate(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            confirm = confirm_first(request, max_age=max_age, return_to=return_to)
            return confirm or view_func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def safe_next(request, url: str | None) -> str:
    """`url` if it is a page on this site, else the home page: never an open redirect."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@receiver(user_logged_in)
def _confirmed_at_sign_in(sender, request, user, **kwargs):
    # Signing in is a confirmation: nobody is asked again straight after. (Connected when
    # accounts is ready: see accounts/apps.py.)
    if request is not None and hasattr(request, "session"):
        mark_confirmed(request)


class ConfirmForm(ActionFormMixin, forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Your password is not right", code="wrong_password")
        return password

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.check_second_factor(cleaned)
        return cleaned

    def check_second_factor(self, cleaned_data) -> None:
        """The hook for a second factor: raise ValidationError if its code is not right.
        The password alone is enough until then."""


confirm_form_class = ConfirmForm


def wrong_password(request) -> bool:
    """Count a wrong password typed by a signed-in person (here or on the change-password
    page); after MAX_FAILURES the session is signed out. True if it was."""
    from django.contrib.auth import logout

    failures = request.session.get(FAILURES, 0) + 1
    request.session[FAILURES] = failures
    if failures >= MAX_FAILURES:
        logout(request)
        return True
    return False
