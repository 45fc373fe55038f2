"""Production settings are safe by default: a real secret key, HTTPS, and `check --deploy` clean.

Settings are read once, at start-up, so these start Python afresh with a production-like
environment (no .env file)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import secret_key_problem

BASE_DIR = Path(__file__).resolve().parents[2]
SAMPLE = BASE_DIR / "dotenv-sample"
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER",
    "NOTIFY_BASE_URL", "SITE_URL",
]}))
"""


def good_key() -> str:
    return secrets.token_urlsafe(50)


def production(**overrides) -> dict:
    """The environment production runs with: none of the developer's settings, no .env."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LINKWORK_", "NOTIFY_", "DATABASE_"))
        and key not in {"PORT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        LINKWORK_ENV_FILE="",
        DJANGO_SECRET_KEY=good_key(),
    )
    env.update(overrides)
    return env


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def settings_under(env) -> dict:
    result = run(["-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sample_key() -> str:
    for line in SAMPLE.read_text().splitlines():
        if line.startswith("DJANGO_SECRET_KEY="):
            return line.partition("=")[2]
    raise AssertionError("dotenv-sample has no DJANGO_SECRET_KEY")


@pytest.mark.parametrize(
    "key",
    [
        "change-me",
        "django-insecure-" + secrets.token_urlsafe(50),
        secrets.token_urlsafe(20),  # short
        "ab" * 40,  # long, but hardly random
    ],
)
def test_weak_or_published_keys_are_named(key):
    assert secret_key_problem(key, sample_file=SAMPLE)


def test_the_sample_files_key_is_refused_whatever_it_is():
    assert secret_key_problem(sample_key(), sample_file=SAMPLE)


def test_a_random_key_will_do():
    assert secret_key_problem(good_key(), sample_file=SAMPLE) is None


def test_production_refuses_to_start_with_the_published_key():
    # DJANGO_DEBUG unset, as in production.
    result = run(["manage.py", "check"], production(DJANGO_SECRET_KEY="change-me"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # says how to make one
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_with_a_short_key():
    result = run(["manage.py", "check"], production(DJANGO_SECRET_KEY="s3cr3t-but-short"))
    assert result.returncode != 0
    assert "shorter than 50" in result.stderr


def test_debug_accepts_a_development_key():
    result = run(["manage.py", "check"], production(DJANGO_DEBUG="1", DJANGO_SECRET_KEY="dev"))
    assert result.returncode == 0, result.stderr


def test_check_deploy_passes_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production())
    assert result.returncode == 0, result.stdout + result.stderr


def test_https_hsts_and_secure_cookies_are_the_production_default():
    s = settings_under(production())
    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    # Trusting X-Forwarded-Proto from anyone would let a client claim https.
    assert s["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_a_tls_proxy_its_header_is_trusted():
    s = settings_under(production(LINKWORK_BEHIND_TLS_PROXY="1"))
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_local_demo_over_http_turns_https_off_with_one_switch():
    s = settings_under(production(DJANGO_HTTPS="0"))
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False


def test_the_old_secure_cookies_switch_still_works():
    s = settings_under(production(DJANGO_SECURE_COOKIES="0"))
    assert s["SECURE_SSL_REDIRECT"] is False and s["SESSION_COOKIE_SECURE"] is False


def test_ports_come_from_the_environment():
    s = settings_under(production(PORT="8001", NOTIFY_PORT="6012"))
    assert s["SITE_URL"] == "http://127.0.0.1:8001"
    assert s["NOTIFY_BASE_URL"] == "http://127.0.0.1:6012"
    assert settings_under(production())["NOTIFY_BASE_URL"].startswith("https://api.notifications")


def test_the_demo_sample_runs_without_debug_over_http():
    sample = dict(
        line.split("=", 1)
        for line in SAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert sample["DJANGO_DEBUG"] == "0"
    assert sample["DJANGO_HTTPS"] == "0"
    assert "NOTIFY_BASE_URL" not in sample  # derived from NOTIFY_PORT, so ports can change


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/openreferral/docs"])
def test_api_docs_pages_carry_the_strict_content_security_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    # Nothing inline to need it: Swagger UI starts from an external script.
    assert b"<script>" not in response.content


def test_the_demo_shows_the_real_404_page_not_a_list_of_every_url():
    # The demo's settings are dotenv-sample's (with the fresh key `make install` writes).
    env = production(LINKWORK_ENV_FILE=str(SAMPLE))
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/no-such-page/', HTTP_HOST='127.0.0.1'); "
        "print(r.status_code, b'URLconf' in r.content, b'Page not found' in r.content)"
    )
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "False", "True"]
