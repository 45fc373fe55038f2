import secrets

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

# Scripts only from our own origin or carrying this response's nonce; no inline styles,
# no framing, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself. Pages hold personal data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Every page, the API docs included: django-ninja's Swagger UI page starts from an
        # external init script (ninja/swagger-ui-init.js) reading its settings from a JSON
        # data block, so it needs no inline script (tests/browser/test_api_docs_csp.py).
        response.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=request.csp_nonce)
        )
        return response


SIGNED_IN_AT = "linkwork_signed_in_at"
# When the session row's expiry was last pushed on (a Unix time, in the session itself: the
# database backend does not hand the row's expire_date back).
TOUCHED_AT = "linkwork_touched_at"
# Push the idle expiry on at most this often: a page within this many seconds of the last
# write writes nothing, so reading a page is not a write transaction.
TOUCH_EVERY_SECONDS = 60


class SessionLifetimeMiddleware:
    """End a session after SESSION_COOKIE_AGE idle, and SESSION_MAX_SECONDS after sign-in
    however active it has been.

    The idle timeout: the session row expires SESSION_COOKIE_AGE after it was last saved
    (core.sessions stamps TOUCHED_AT on each save), and a request that did not change the
    session saves it only when the last save is TOUCH_EVERY_SECONDS old or more. Saving on
    every request (SESSION_SAVE_EVERY_REQUEST) made every page an UPDATE of django_session;
    this way it is at most one a minute per session, and a session ends between
    SESSION_COOKIE_AGE minus a minute and SESSION_COOKIE_AGE after its last request.

    The lifetime: the idle timeout never ends a session that keeps being used, so a stolen or
    forgotten session cookie would otherwise last for ever. The sign-in time is written on
    the response that signs someone in (and, for sessions from before this existed, on their
    next request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now().timestamp()
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is not None and now - signed_in_at > settings.SESSION_MAX_SECONDS:
                # Sign out before any view runs; LoginRequiredMiddleware then sends them to
                # the sign-in page, which brings them back here afterwards.
                logout(request)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SIGNED_IN_AT not in request.session:
            request.session[SIGNED_IN_AT] = now
        _touch(request.session, now)
        return response


def _touch(session, now: float) -> None:
    """Mark the session for saving if its idle expiry is TOUCH_EVERY_SECONDS stale.
    SessionMiddleware (outside this one) then saves it, with a new expiry; the store
    (core.sessions) stamps TOUCHED_AT on every save, this stamp is for any other store."""
    if session.is_empty() or session.modified:
        return  # nothing to keep alive (no cookie, or signed out), or saved anyway
    touched_at = session.get(TOUCHED_AT)  # loads the session if nothing has yet
    if session.is_empty():
        # The cookie named a session that has expired or never existed: starting a new
        # one here would give every stale cookie a row.
        return
    if touched_at is None or not 0 <= now - touched_at < TOUCH_EVERY_SECONDS:
        session[TOUCHED_AT] = now
