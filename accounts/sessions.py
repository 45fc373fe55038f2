"""Ending every session of an account at once (a leaver switched off, an account switched
back on).

Sessions are kept in the database, keyed by a random id, with no index by account: finding
one person's sessions would mean decoding every session there is. Instead each account has a
`session_generation`, and each session remembers the generation it was signed in under
(written when anyone signs in, however they sign in). `SessionGenerationMiddleware` compares
the two on every request, from the account row that authentication loads anyway (no extra
query), and signs out a session of an older generation or of an account that is switched
off. So bumping the number ends every session of the account at once, with no list of
sessions to keep in step; the stale session rows are then emptied when next used, or expire.
"""

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    _get_user_session_key,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare

GENERATION = "linkwork_session_generation"
# Set on the fresh session of someone signed out this way: the sign-in page then tells them.
SIGNED_OUT = "linkwork_signed_out"
SIGNED_OUT_MESSAGE = (
    "You have been signed out. If you cannot sign in again, ask your administrator."
)


def is_current(request) -> bool:
    """Whether the signed-in session may go on: the account is on and the session belongs
    to its current generation. (Sessions from before generations existed count as 0.)"""
    user = request.user
    return bool(user.is_active) and request.session.get(GENERATION, 0) == user.session_generation


def get_user(request):
    """The signed-in account, as django.contrib.auth.get_user finds it (the same checks of
    the backend and of the session's password hash, the same flush or key change), except
    that with Django's ModelBackend the account's organisation comes in the same query:
    every staff page names it in its header and scopes its reads by it, which was a second
    query on every request. Installed by SessionGenerationMiddleware in place of
    AuthenticationMiddleware's lazy user."""
    user = None
    try:
        user_id = _get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            if type(backend) is ModelBackend:
                user = _load_user(request, user_id)
            else:
                user = backend.get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _load_user(request, user_id):
    """ModelBackend.get_user, with the organisation."""
    model = get_user_model()
    try:
        user = model._default_manager.select_related("organisation").get(pk=user_id)
    except model.DoesNotExist:
        return None
    return user if _backend.user_can_authenticate(user) else None


_backend = ModelBackend()


@receiver(user_logged_in)
def _remember_generation(sender, request, user, **kwargs):
    # Connected when accounts is ready (accounts/apps.py).
    if request is not None and hasattr(request, "session"):
        request.session[GENERATION] = user.session_generation
