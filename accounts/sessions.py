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

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

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


@receiver(user_logged_in)
def _remember_generation(sender, request, user, **kwargs):
    # Connected when accounts is ready (accounts/apps.py).
    if request is not None and hasattr(request, "session"):
        request.session[GENERATION] = user.session_generation
