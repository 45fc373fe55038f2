"""Watching linkwork run: what settings.py needs for the health probes, request ids, logs,
Sentry and Prometheus (see docs/operations.md, "Watching it").

- The middleware that goes around the stack (`around`): the request id first
  (core/request_id.py), then the probes (core/health.py, answered before the host check, the
  HTTPS redirect and sign-in), then django-prometheus's timer; its counter last.
- `log_format`: LINKWORK_LOG_FORMAT, json or console (config/logging.py).
- `init_sentry`: errors to Sentry when SENTRY_DSN is set, with personal data scrubbed by
  `before_send` and `before_breadcrumb` (as job-server initialises Sentry from settings).
"""

import re
from urllib.parse import urlsplit, urlunsplit

from config.env import ImproperlyConfiguredEnv, get_env
from config.logging import FORMATS, default_format, scrub, scrub_text

FIRST_MIDDLEWARE = [
    "core.request_id.RequestIdMiddleware",
    "core.health.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
]
LAST_MIDDLEWARE = ["django_prometheus.middleware.PrometheusAfterMiddleware"]
# Paths answered over plain http when HTTPS is on (SECURE_REDIRECT_EXEMPT). ProbeMiddleware
# answers them before SecurityMiddleware anyway; this keeps it so if it is ever moved.
REDIRECT_EXEMPT = [r"^health/(live|ready)$", r"^api/v1/health$", r"^metrics$"]
MIN_METRICS_TOKEN_LENGTH = 32


def around(middleware: list[str]) -> list[str]:
    return [*FIRST_MIDDLEWARE, *middleware, *LAST_MIDDLEWARE]


def log_format(*, debug: bool, nonprod: bool) -> str:
    value = get_env("LINKWORK_LOG_FORMAT", "").strip().lower()
    if not value:
        return default_format(debug=debug, nonprod=nonprod)
    if value not in FORMATS:
        raise ImproperlyConfiguredEnv(f"LINKWORK_LOG_FORMAT={value!r}: use json or console.")
    return value


def metrics_token() -> str:
    token = get_env("LINKWORK_METRICS_TOKEN", "").strip()
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        raise ImproperlyConfiguredEnv(
            f"LINKWORK_METRICS_TOKEN is too short: use at least {MIN_METRICS_TOKEN_LENGTH} "
            "characters, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


# Sentry

# Request headers worth sending; everything else (cookies, authorisation, forwarded
# addresses) is dropped.
KEPT_HEADERS = frozenset({"accept", "content-type", "content-length", "host", "x-request-id"})
# A path segment that looks like a one-time token (a password reset or questionnaire link):
# long, and not a UUID, which names a record and is no secret.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TOKENISH = re.compile(r"[A-Za-z0-9_:-]{16,}")


def scrub_url(url: str) -> str:
    """The URL without its query string or fragment, tokens and personal data masked."""
    parts = urlsplit(url)
    segments = [
        "[token]" if _TOKENISH.fullmatch(s) and not _UUID.fullmatch(s) else s
        for s in parts.path.split("/")
    ]
    path = scrub_text("/".join(segments))
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _scrub_request(request: dict) -> dict:
    kept = {"method": request.get("method")}
    if request.get("url"):
        kept["url"] = scrub_url(request["url"])
    headers = request.get("headers") or {}
    kept["headers"] = {
        name: scrub_text(str(value))
        for name, value in headers.items()
        if name.lower() in KEPT_HEADERS
    }
    # Dropped: data (the body), cookies, query_string, env (server and client addresses).
    return kept


def _drop_local_variables(event: dict) -> None:
    for value in (event.get("exception") or {}).get("values") or []:
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Every event, before it leaves: no request body, cookies, query string or headers that
    identify anyone; of the user only the id; no local variables; personal data masked in
    messages, exception messages, breadcrumbs and extra data."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"] or {})
    if "user" in event:
        user_id = (event["user"] or {}).get("id")
        event["user"] = {"id": str(user_id)} if user_id is not None else {}
    _drop_local_variables(event)
    for key in ("exception", "threads", "logentry", "message", "breadcrumbs", "extra"):
        if key in event:
            event[key] = scrub(event[key])
    for key in ("contexts", "tags"):
        if key in event:
            event[key] = _scrub_text_only(event[key])
    return event


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return scrub(crumb)


def _scrub_text_only(value):
    """Patterns only: keys such as the runtime's "name" are not personal data here."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub_text_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_text_only(v) for v in value]
    return value


def init_sentry(*, dsn: str, environment: str, release: str | None, transport=None) -> bool:
    """Start Sentry if a DSN is given. `transport` is for tests only (events kept in memory:
    no test ever sends one)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(transaction_style="url"), LoggingIntegration()],
        # send_default_pii=False, in the form sentry-sdk now asks for (send_default_pii is
        # deprecated), and narrower: no user details, cookies, query strings, bodies, SQL
        # parameters or local variables, and only the headers in KEPT_HEADERS.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(KEPT_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
            "gen_ai": {"inputs": False, "outputs": False},
            "graphql": {"document": False, "variables": False},
        },
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        # No performance tracing, and no trace headers on calls to GOV.UK Notify or others.
        traces_sample_rate=None,
        trace_propagation_targets=[],
        transport=transport,
    )
    return True
