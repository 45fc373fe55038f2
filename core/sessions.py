"""The session store: Django's database sessions, each row remembering when it was last
saved, which is when its idle expiry (SESSION_COOKIE_AGE) was last pushed on.

core.middleware.SessionLifetimeMiddleware reads that time (TOUCHED_AT) to save a session
that is only being read at most once a minute, instead of on every request. Stamping it
here, on every save however the session is saved (a page that changed it, the sign-in,
`Client.force_login` in tests), keeps it exactly in step with the row's expire_date. A
signed-in session saved without its sign-in time gets that too (SIGNED_IN_AT: the 12-hour
limit), so the first page after signing in need not write again."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from core.middleware import SIGNED_IN_AT, TOUCHED_AT


class SessionStore(DatabaseSessionStore):
    def create_model_instance(self, data):
        # Called by save() with the data about to be written (the session's own dict).
        now = timezone.now().timestamp()
        data[TOUCHED_AT] = now
        if SESSION_KEY in data:
            data.setdefault(SIGNED_IN_AT, now)
        return super().create_model_instance(data)
