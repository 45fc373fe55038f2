from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

from accounts import second_factor, sessions


class SessionGenerationMiddleware:
    """Sign out, before any view runs, a session whose account has been switched off or
    whose sessions have all been ended since it signed in (accounts/sessions.py). The
    visitor is then treated as not signed in: LoginRequiredMiddleware sends them to sign in.

    Installed straight after AuthenticationMiddleware, whose lazy user it replaces with one
    loaded with its organisation (accounts.sessions.get_user: one query, not two)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            request.user = SimpleLazyObject(lambda: _cached_user(request))
        if request.user.is_authenticated:
            if not sessions.is_current(request):
                logout(request)
                request.session[sessions.SIGNED_OUT] = True
        elif SESSION_KEY in request.session:
            # Signed in once, but the account can no longer be loaded (Django's backend
            # refuses a switched-off one): the session row is emptied, not left to expire.
            request.session.flush()
            # The sign-in page they are sent to says why they are there.
            request.session[sessions.SIGNED_OUT] = True
        return self.get_response(request)


def _cached_user(request):
    # Where django.contrib.auth.middleware.get_user keeps it, should anything look there.
    if not hasattr(request, "_cached_user"):
        request._cached_user = sessions.get_user(request)
    return request._cached_user


class SecondFactorMiddleware:
    """A signed-in session that has not passed the second factor reaches only the pages
    marked `second_factor_not_required` (set up, enter a code, sign out). Everything else,
    public pages included, sends it to set up an authenticator or to enter a code, and back
    afterwards. Requests without a session (bearer-token APIs, visitors) are not affected.

    Installed after django-otp's OTPMiddleware, which says whether the session is verified,
    and after LoginRequiredMiddleware, which deals with visitors who are not signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or second_factor.is_exempt(view_func):
            return None
        if second_factor.is_satisfied(request):
            return None
        if second_factor.has_second_factor(request.user):
            target = reverse("accounts:second_factor_verify")
        else:
            target = reverse("accounts:second_factor_set_up")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
