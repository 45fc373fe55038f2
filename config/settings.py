"""linkwork settings, read from environment variables (see dotenv-sample)."""

import os
import re
import warnings
from pathlib import Path

import dj_database_url

from config import observability
from config.env import (
    check_secret_key,
    get_bool,
    get_env,
    get_int,
    get_list,
    get_networks,
    load_dotenv,
)
from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# LINKWORK_ENV_FILE= (empty) reads no file: production, and tests of production settings.
if env_file := os.environ.get("LINKWORK_ENV_FILE", str(BASE_DIR / ".env")):
    load_dotenv(Path(env_file))

DEBUG = get_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = get_env("DJANGO_SECRET_KEY")
# Outside DEBUG, refuse to start with a published, short or patterned key.
check_secret_key(SECRET_KEY, debug=DEBUG, sample_file=BASE_DIR / "dotenv-sample")
ALLOWED_HOSTS = get_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = get_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Load balancers and reverse proxies in front of linkwork (addresses or CIDR networks,
# comma-separated). Only they are believed about the client's address in X-Forwarded-For;
# empty: REMOTE_ADDR is the client. See core/client_address.py.
LINKWORK_TRUSTED_PROXIES = get_networks("LINKWORK_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "organisations",
    "accounts",
    "referrals",
    "casework",
    "geography",
    "directory",
    "notifications",
    "onward",
    "outcomes",
    "reporting",
    "api.fhir",
    "administration",
    "retention",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # The second factor (ADR 0008): devices and verified sessions, TOTP, recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# A demo or test installation: demo data generators, and demo accounts that may skip the
# second factor (accounts/second_factor.py). Production never sets it.
LINKWORK_NONPROD = get_bool("LINKWORK_NONPROD", default=False)
if LINKWORK_NONPROD:
    INSTALLED_APPS.append("nonprod")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A switched-off account's sessions end at once (accounts/sessions.py).
    "accounts.middleware.SessionGenerationMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    # Deny by default: every view needs a signed-in user unless it opts out.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # …and a second factor for every signed-in session (django-otp says which are verified).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "api.public.CorsForPublicApiMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        # Each app keeps its templates in <app>/templates/<app>/ (Django's Jinja2 backend would
        # otherwise look in <app>/jinja2/).
        "DIRS": [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
    {
        # Only for third-party pages that ship Django templates (the API docs page).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    },
]

# Where compiled templates are kept between processes (config/jinja2.py). Unset: a folder
# only linkwork's user can write to, in the temporary directory. If you set it, make it
# writable by that user alone: Python code is loaded from it.
TEMPLATE_BYTECODE_DIR = get_env("LINKWORK_TEMPLATE_BYTECODE_DIR", "")

# Each web thread and worker keeps its connection for DATABASE_CONN_MAX_AGE seconds (0: a new
# one per request) and checks it is still alive before reusing it, so a request does not pay
# for a new PostgreSQL connection and a restarted database costs one failed check, not errors.
DATABASE_CONN_MAX_AGE = get_int("DATABASE_CONN_MAX_AGE", 60)
DATABASE_PREPARED_STATEMENTS = get_bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASE_PREPARE_THRESHOLD = get_int("DATABASE_PREPARE_THRESHOLD", 2)


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and a busy timeout let the single-process demo take concurrent requests without
        # "database is locked"; IMMEDIATE makes write transactions take the lock up front.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
        # Server-side binding lets psycopg prepare a statement the connection has run
        # DATABASE_PREPARE_THRESHOLD times: PostgreSQL then skips parsing and planning it again.
        # Off behind a pooler in transaction mode (PgBouncer before 1.21), which cannot keep
        # a session's prepared statements.
        config.setdefault("OPTIONS", {})
        config["OPTIONS"]["server_side_binding"] = True
        config["OPTIONS"]["prepare_threshold"] = DATABASE_PREPARE_THRESHOLD
    return config


DATABASES = {"default": _database(get_env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file, not shared-cache memory, so that concurrent threads lock as they
    # would in real use instead of failing with "table is locked".
    # One file per test run, so two runs at once (a developer's and an editor's) never meet.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
# A read replica of the database (PostgreSQL streaming replication) for the Figures pages:
# config/routers.py sends their reads of the Figures tables there; every write, and every
# other read, goes to "default". Unset: everything uses "default".
if replica_url := get_env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = _database(replica_url)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# NCSC guidance (accounts/passwords.py): length, no rules about kinds of character, no
# common passwords, nothing from the person's own name or email address, no expiry.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "accounts.passwords.PersonalDetailsValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Password reset links work for an hour, once.
PASSWORD_RESET_TIMEOUT = 60 * 60
# Sign-in limits over 15 minutes for browsers that have not signed in before (accounts/throttle.py,
# ADR 0006): failed tries from one network address, and across the whole installation.
SIGN_IN_PER_ADDRESS_LIMIT = get_int("LINKWORK_SIGN_IN_PER_ADDRESS_LIMIT", 20)
SIGN_IN_OVERALL_LIMIT = get_int("LINKWORK_SIGN_IN_OVERALL_LIMIT", 300)
# The second factor: the name authenticator apps show, and django-otp's back-off after wrong
# codes (1, 2, 4, 8… seconds; checked with the device row locked: accounts/actions.py).
OTP_TOTP_ISSUER = get_env("LINKWORK_OTP_ISSUER", "linkwork")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 minutes idle and when the browser closes.
SESSION_COOKIE_AGE = get_int("LINKWORK_SESSION_IDLE_SECONDS", 30 * 60)
# Saved when changed, and at most once a minute to push the idle expiry on
# (core.middleware.SessionLifetimeMiddleware): never a write on every page.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "core.sessions"  # database sessions that know when they were last saved
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# …and 12 hours after signing in however busy (core.middleware.SessionLifetimeMiddleware).
SESSION_MAX_SECONDS = get_int("LINKWORK_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# What is kept, and for how long (docs/retention.md): a person's records are erased this many
# days after their last episode closed (default 8 years, the NHS Records Management Code of
# Practice's adult rule); the audit trail is kept this long (default 20 years, and never
# less than the records). LINKWORK_RETENTION_HOLD=1 (an inquiry, a claim) erases neither.
LINKWORK_RETAIN_CLOSED_RECORDS_DAYS = get_int("LINKWORK_RETAIN_CLOSED_RECORDS_DAYS", 2922)
LINKWORK_RETAIN_AUDIT_DAYS = get_int("LINKWORK_RETAIN_AUDIT_DAYS", 7305)
LINKWORK_RETENTION_HOLD = get_bool("LINKWORK_RETENTION_HOLD", default=False)
# The audit trail's hash chain (core/audit.py): a web or worker process seals what it wrote
# after its commit, at most this often; the sweep seals any rows left within a minute.
# 0: after every commit that wrote audit rows.
AUDIT_SEAL_EVERY_SECONDS = get_int("LINKWORK_AUDIT_SEAL_EVERY_SECONDS", 1)
# A task RUNNING this long under a worker that has stopped beating is taken back by the sweep
# (core/orphaned_tasks.py): run again where that is safe, otherwise marked failed.
ORPHANED_TASK_GRACE_SECONDS = get_int("LINKWORK_ORPHANED_TASK_GRACE_SECONDS", 5 * 60)

# One switch for "people reach this site over HTTPS", on unless DEBUG: secure cookies, http
# redirected to https, and HSTS (a year, subdomains included) so browsers never use http
# again. The local demo over plain http sets DJANGO_HTTPS=0. DJANGO_SECURE_COOKIES is its old
# name, still read so that existing .env files keep working.
HTTPS = get_bool("DJANGO_HTTPS", default=get_bool("DJANGO_SECURE_COOKIES", default=not DEBUG))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe health (and Prometheus scrapes) over plain http from inside the
# network; a redirect would look like a failure.
SECURE_REDIRECT_EXEMPT = observability.REDIRECT_EXEMPT
SECURE_HSTS_SECONDS = get_int("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# `preload` only matters if the owner of the registrable domain submits it to the browsers'
# preload list; DJANGO_HSTS_PRELOAD=0 leaves it out.
SECURE_HSTS_PRELOAD = HTTPS and get_bool("DJANGO_HSTS_PRELOAD", default=True)
# Behind a proxy or load balancer that terminates TLS, Django sees plain http and would
# redirect forever: trust the proxy's X-Forwarded-Proto instead. Only when the app can be
# reached through that proxy alone, and the proxy overwrites the header: anyone who can reach
# the app directly could otherwise send "X-Forwarded-Proto: https" and be treated as secure.
if get_bool("LINKWORK_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (the image builds it in; docker/entrypoint.sh collects when it
# is missing). LINKWORK_STATIC_ROOT moves it out of the source tree.
STATIC_ROOT = Path(get_env("LINKWORK_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "static_build"]
# Collected files have a hash of their contents in their names and a gzip copy, and are
# served with a far-future, immutable Cache-Control (config/staticfiles.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.StaticFilesStorage"},
}
# Files asked for by a name without a hash (nothing linkwork links to) are cached an hour.
WHITENOISE_MAX_AGE = 0 if DEBUG else get_int("LINKWORK_STATIC_MAX_AGE", 60 * 60)
# Without collectstatic (development, tests, the demo) serve straight from the folders above.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()
if not STATIC_ROOT.exists():
    # …and do not let WhiteNoise warn at every start that the collectstatic folder is missing
    # (it does whenever DEBUG is off, as in the demo).
    warnings.filterwarnings("ignore", message=f"No directory at: {re.escape(str(STATIC_ROOT))}")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Background work: tasks are rows in the database, written in the same transaction as the
# change that needs them, and run by `python manage.py worker`.
# Two queues (core/queues.py): "default" for time-critical work (texts, deadline clocks,
# safety-alert escalations), "bulk" for work that may take minutes (CSV checks, the Figures
# rebuild); run a worker for each so that the first never waits behind the second.
TASKS = {"default": {"BACKEND": "core.request_id.DatabaseBackend", "QUEUES": ["default", "bulk"]}}

# GOV.UK Notify. The key looks like "name-<service id>-<secret>"; the demo and tests use the
# fake Notify server (`python manage.py fake_notify`) with its own key.
NOTIFY_API_KEY = get_env("NOTIFY_API_KEY", "")
# NOTIFY_PORT: the demo's fake Notify on this machine (make demo sets it; production leaves
# it and NOTIFY_BASE_URL unset and talks to GOV.UK Notify).
NOTIFY_PORT = get_env("NOTIFY_PORT", "")
NOTIFY_BASE_URL = get_env(
    "NOTIFY_BASE_URL",
    f"http://127.0.0.1:{NOTIFY_PORT}"
    if NOTIFY_PORT
    else "https://api.notifications.service.gov.uk",
)
NOTIFY_TIMEOUT_SECONDS = get_int("NOTIFY_TIMEOUT_SECONDS", 10)
# No texts or emails to people between these times (local time); they wait until morning.
QUIET_HOURS = get_env("LINKWORK_QUIET_HOURS", "20:00-08:00")
# Where links in staff emails point.
SITE_URL = get_env("LINKWORK_SITE_URL", f"http://127.0.0.1:{get_env('PORT', '8000')}")
# Single sign-on (accounts/oidc/, ADR 0009): the identity providers an area's administrator
# may point linkwork at, by exact issuer. CIS2's live and integration issuers by default; add
# NHSmail's (https://login.microsoftonline.com/<tenant id>/v2.0). A non-production
# installation also accepts a provider on this machine (the fake one).
LINKWORK_OIDC_TRUSTED_ISSUERS = get_list(
    "LINKWORK_OIDC_TRUSTED_ISSUERS",
    "https://am.nhsidentity.spineservices.nhs.uk:443/openam/oauth2/realms/root/realms/"
    "NHSIdentity/realms/Healthcare,"
    "https://am.nhsint.auth-ptl.cis2.spineservices.nhs.uk:443/openam/oauth2/realms/root/"
    "realms/NHSIdentity/realms/Healthcare",
)

# Background work is "behind" when a due task has waited longer than this, or work waits and
# no worker has reported for this long: /api/v1/health answers 503 and team leads see a banner.
WORKER_LAG_ALERT_SECONDS = get_int("LINKWORK_WORKER_LAG_ALERT_SECONDS", 5 * 60)
# How long pages reuse that answer (one small query per team lead page otherwise).
BACKGROUND_STATUS_CACHE_SECONDS = 30

# What one request may send, refused before it is read (a FHIR ServiceRequest is a few KB;
# any form post is far smaller). Uploaded CSV files (bulk referrals, GP and A&E use) have
# their own largest size; file data does not count towards DATA_UPLOAD_MAX_MEMORY_SIZE.
FHIR_MAX_BODY_BYTES = get_int("LINKWORK_FHIR_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = get_int("LINKWORK_MAX_FORM_BYTES", 1024 * 1024)
CSV_UPLOAD_MAX_BYTES = get_int("LINKWORK_CSV_MAX_BYTES", 2 * 1024 * 1024)

# Watching it (docs/operations.md, config/observability.py): health probes answered first,
# logs with a request id on every line (JSON unless LINKWORK_LOG_FORMAT=console, the demo's
# default), /metrics for Prometheus only, errors to Sentry when SENTRY_DSN is set.
LOGGING = logging_config(
    fmt=observability.log_format(debug=DEBUG, nonprod=LINKWORK_NONPROD),
    level=get_env("LINKWORK_LOG_LEVEL", "INFO"),
)
MIDDLEWARE = observability.around(MIDDLEWARE)
METRICS_TOKEN = observability.metrics_token()
METRICS_ALLOWED_ADDRESSES = get_networks("LINKWORK_METRICS_ALLOWED_ADDRESSES")
observability.init_sentry(
    dsn=get_env("SENTRY_DSN", ""),
    environment=get_env("SENTRY_ENVIRONMENT", "demo" if LINKWORK_NONPROD else "production"),
    release=get_env("SENTRY_RELEASE", ""),
)
