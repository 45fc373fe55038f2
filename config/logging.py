"""Logs: one JSON object per line in production, readable lines while developing.

Every line, whether it comes from structlog or from the standard library (Django, django-tasks,
our own `logging.getLogger(__name__)`), goes through the same structlog processors, so each one
carries what is bound for the request or task it belongs to: above all the request id
(core/request_id.py). `LINKWORK_LOG_FORMAT=json|console`; JSON unless DEBUG or a demo
installation (LINKWORK_NONPROD) asks for the console.

No personal data reaches a log line: `scrub_personal_data` runs last before rendering, after
tracebacks have been turned into text. It replaces the value of any key that names personal data
(name, NHS number, contact details, message text, secrets…), and masks what looks like an NHS
number, a telephone number, an email address or a postcode anywhere in text (messages,
exception messages, tracebacks). Names in free text cannot be recognised: never put them in a
log message or an exception message; the pathway test in core/tests/test_logs_personal_data.py
fails if any of ours do.

gunicorn's own lines (its error log: starting, workers booted and killed; and its access log:
one line per request) go through the same formatter (`gunicorn_logconfig`, read by
gunicorn.conf.py): each request is one JSON object with its method, path (no query string),
status, size, duration and request id as fields of their own.
"""

import re
from collections.abc import Mapping

import structlog

FORMATS = ("json", "console")
REDACTED = "[redacted]"

# Keys whose values are personal data or secrets, wherever they appear in an event.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "given_name",
        "family_name",
        "first_name",
        "last_name",
        "nhs_number",
        "date_of_birth",
        "dob",
        "birth_date",
        "birthdate",
        "email",
        "email_address",
        "phone",
        "phone_number",
        "mobile",
        "telephone",
        "postcode",
        "postal_code",
        "address",
        "to",
        "recipient",
        "personalisation",
        "subject",
        "body",
        "words",
        "context",
        "note",
        "notes",
        "password",
        "token",
        "secret",
        "authorization",
        "cookie",
        "cookies",
        "session",
        "query_string",
    }
)
# Machine-made values that are never scrubbed (a request id can look like a postcode).
SAFE_KEYS = frozenset({"request_id", "task_id", "timestamp", "level", "logger", "task"})

_AT = r"(?:@|%40)"
_SPACE = r"(?:\s|\+|%20)*"
PATTERNS = (
    (re.compile(rf"[\w.'+-]+{_AT}[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # UK telephone numbers: 0 or +44, then 9 or 10 more digits, spaces or dashes between.
    (re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){8,9}(?!\d)"), "[phone]"),
    # NHS numbers: ten digits, maybe as 3-3-4 (any ten-digit number is masked).
    (re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"), "[nhs-number]"),
    # UK postcodes, full (an outward code alone, "NN1", names an area, not a person).
    (
        re.compile(rf"\b(?:[A-Z]{{1,2}}\d[A-Z\d]?|GIR){_SPACE}\d[A-Z]{{2}}\b", re.IGNORECASE),
        "[postcode]",
    ),
)


def scrub_text(text: str) -> str:
    """Text with email addresses, telephone and NHS numbers and postcodes masked."""
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub(value, *, key: str | None = None):
    """A copy of `value` with personal data masked: by key in mappings, by pattern in text."""
    if key is not None and key.lower() in PERSONAL_KEYS:
        return REDACTED if value not in (None, "") else value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: scrub(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    if isinstance(value, bytes):
        return scrub_text(value.decode("utf-8", "replace"))
    return value


def scrub_personal_data(logger, method_name, event_dict):
    """structlog processor: the last before rendering."""
    for key, value in list(event_dict.items()):
        if key in SAFE_KEYS or key.startswith("_"):
            continue
        event_dict[key] = scrub(value, key=key)
    return event_dict


# gunicorn's access log: the atoms it fills in (gunicorn's access_log_format), as fields.
# Never the query string or the referrer: they can carry personal data.
GUNICORN_ACCESS_FIELDS = {
    "method": "m",
    "path": "U",
    "protocol": "H",
    "status": "s",
    "bytes": "B",
    "duration_ms": "M",
    # The connection's peer: behind the load balancer, the balancer, not the person.
    "peer": "h",
    "user_agent": "a",
    # The id core/request_id.py gave the request (its response header), as the app logs it.
    "request_id": "{x-request-id}o",
}
_NUMBERS = {"status", "bytes", "duration_ms"}


def gunicorn_access_fields(logger, method_name, event_dict):
    """structlog processor (for standard-library lines): a gunicorn access line's atoms as
    fields. gunicorn logs each request as `access_log.info(format, atoms)`."""
    args = event_dict.pop("positional_args", None)  # never logged as they are
    record = event_dict.get("_record")
    if record is None or record.name != "gunicorn.access" or not isinstance(args, Mapping):
        return event_dict
    for key, atom in GUNICORN_ACCESS_FIELDS.items():
        value = args[atom]  # gunicorn's atoms answer "-" for what is missing
        if value in (None, "", "-"):
            continue
        if key in _NUMBERS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                continue
        elif isinstance(value, str):
            value = value.replace('\\"', '"')  # gunicorn escapes quotes for its own format
        event_dict[key] = value
    return event_dict


def _pre_chain():
    """What every line gets, from structlog or from the standard library."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_structlog() -> None:
    """structlog loggers hand their events to the standard library's handlers (below)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_pre_chain(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(fmt: str) -> structlog.stdlib.ProcessorFormatter:
    if fmt not in FORMATS:
        raise ValueError(f"LINKWORK_LOG_FORMAT={fmt!r}: use json or console")
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_pre_chain(), gunicorn_access_fields],
        pass_foreign_args=True,  # for gunicorn_access_fields, which then drops them
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text here, so that they are scrubbed like the rest.
            structlog.processors.format_exc_info,
            scrub_personal_data,
            renderer,
        ],
    )


def logging_config(*, fmt: str, level: str = "INFO") -> dict:
    """Django's LOGGING: everything to standard error through one structlog formatter."""
    if fmt not in FORMATS:
        raise ValueError(f"LINKWORK_LOG_FORMAT={fmt!r}: use json or console")
    configure_structlog()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structlog": {"()": formatter, "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structlog"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (mail to admins, runserver's console) are removed: its
            # lines reach the root handler, as JSON and scrubbed like the rest.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
        },
    }


def default_format(*, debug: bool, nonprod: bool) -> str:
    return "console" if debug or nonprod else "json"


def gunicorn_logconfig(*, fmt: str, level: str = "INFO") -> dict:
    """gunicorn's logconfig_dict: its error log (to standard error) and access log (to
    standard output) through the same formatter as the application's lines."""
    config = logging_config(fmt=fmt, level=level)
    config["handlers"]["access"] = {
        "class": "logging.StreamHandler",
        "formatter": "structlog",
        "stream": "ext://sys.stdout",
    }
    config["loggers"] = {
        "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    }
    return config
