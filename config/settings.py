"""linkwork settings, read from environment variables (see dotenv-sample)."""

import os
from pathlib import Path

import dj_database_url

from config.env import get_bool, get_env, get_int, get_list, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = get_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = get_env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = get_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = get_list("DJANGO_CSRF_TRUSTED_ORIGINS")

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
    "django_tasks",
    "django_tasks_db",
    "ninja",
]
# Demo data generators; production never installs them.
if get_bool("LINKWORK_NONPROD", default=False):
    INSTALLED_APPS.append("nonprod")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless it opts out.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        get_env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=get_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the single-process demo take concurrent requests without
    # "database is locked"; IMMEDIATE makes write transactions take the lock up front.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory, so that concurrent threads lock as they
    # would in real use instead of failing with "table is locked".
    # One file per test run, so two runs at once (a developer's and an editor's) never meet.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 minutes idle and when the browser closes.
SESSION_COOKIE_AGE = get_int("LINKWORK_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = get_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "static_build"]
# Without collectstatic (development, tests) serve straight from the folders above.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Background work: tasks are rows in the database, written in the same transaction as the
# change that needs them, and run by `python manage.py worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# GOV.UK Notify. The key looks like "name-<service id>-<secret>"; the demo and tests use the
# fake Notify server (`python manage.py fake_notify`) with its own key.
NOTIFY_API_KEY = get_env("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = get_env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_TIMEOUT_SECONDS = get_int("NOTIFY_TIMEOUT_SECONDS", 10)
# No texts or emails to people between these times (local time); they wait until morning.
QUIET_HOURS = get_env("LINKWORK_QUIET_HOURS", "20:00-08:00")
# Where links in staff emails point.
SITE_URL = get_env("LINKWORK_SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": get_env("LINKWORK_LOG_LEVEL", "INFO")},
}
