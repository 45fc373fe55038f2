"""`make demo` runs the fake NHS CIS2 on OIDC_PORT with the client the demo loader configures,
gives every demo process the area's client secret, and says so: a second copy on other ports
needs no edits (tests/test_newcomer_commands.py checks PORT and NOTIFY_PORT)."""

import os
import subprocess
from pathlib import Path

from accounts.oidc.models import secret_env_name
from nonprod import demo
from nonprod import demo_administration as admin

BASE_DIR = Path(__file__).resolve().parents[2]


def make_demo(*variables) -> str:
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "demo", *variables],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        # Ports from the command line only, not from whoever runs the tests.
        env={k: v for k, v in os.environ.items() if k not in {"PORT", "NOTIFY_PORT", "OIDC_PORT"}},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def line_running(commands: str, command: str) -> str:
    # A backslash-continued command is one line for the shell.
    joined = commands.replace("\\\n", " ")
    return next(line for line in joined.splitlines() if f"manage.py {command}" in line)


def test_make_demo_runs_the_fake_provider_the_loader_points_the_county_at():
    commands = make_demo("PORT=8123", "NOTIFY_PORT=6123", "OIDC_PORT=6124")
    fake = line_running(commands, "fake_oidc_provider")
    assert "--port 6124" in fake
    assert f"--client-id {admin.SSO_CLIENT_ID}" in fake
    assert f"--client-secret {admin.SSO_CLIENT_SECRET}" in fake
    assert f"--email {admin.SSO_LOGIN}@{demo.EMAIL_DOMAIN}" in fake
    assert "LINKWORK_NONPROD=1" in fake
    # The loader configures the issuer on that port; the web server holds the secret.
    assert "OIDC_PORT=6124" in line_running(commands, "load_demo")
    secret = f"{secret_env_name(demo.AREA_CODE)}={admin.SSO_CLIENT_SECRET}"
    assert secret in line_running(commands, "runserver")
    assert f"Sign in with {admin.SSO_NAME}" in commands and "port 6124" in commands
    assert str(admin.DEFAULT_OIDC_PORT) not in commands


def test_make_demo_defaults_to_the_loaders_default_port():
    fake = line_running(make_demo(), "fake_oidc_provider")
    assert f"--port {admin.DEFAULT_OIDC_PORT}" in fake
