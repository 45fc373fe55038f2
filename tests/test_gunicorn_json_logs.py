"""gunicorn's own lines are the application's kind: a real gunicorn (gunicorn.conf.py, the
production settings from the environment) on a free port, a few requests, then SIGTERM. Every
line it wrote, to standard output and error, is one JSON object; each request is one line
with its method, path without the query string, status, duration and the request id the
response carried; nothing personal from the query string gets in."""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PYTHON = ROOT / ".venv" / "bin" / "python"
BOOT_SECONDS = 60  # a generous ceiling for a busy machine; it is usually a few seconds

pytestmark = pytest.mark.skipif(not PYTHON.exists(), reason="make install builds .venv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "LINKWORK_ENV_FILE": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # Never migrated: the requests below do not need the database.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'linkwork.sqlite3'}",
        "LINKWORK_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LINKWORK_BEHIND_TLS_PROXY": "1",
        "LINKWORK_TRUSTED_PROXIES": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(PYTHON), "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + BOOT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{err.read_text()}")
            try:
                if get(port, "/health/live").status == 200:
                    break
            except OSError:  # not listening yet
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer:\n{err.read_text()}")
            time.sleep(0.2)
        yield SimpleNamespace(port=port, process=process, stdout=out, stderr=err)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def lines(text: str) -> list[dict]:
    parsed = []
    for line in text.splitlines():
        if line.strip():
            try:
                parsed.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not one JSON object: {line!r}")
    return parsed


def test_every_gunicorn_line_is_json_and_each_request_carries_its_request_id(gunicorn):
    port, process = gunicorn.port, gunicorn.process
    found = get(port, "/no-such-page/?postcode=NN1%201AA&name=Ada")
    live = get(port, "/health/live")
    request_id = found.getheader("X-Request-ID")
    assert found.status == 404 and live.status == 200 and request_id
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0

    stdout, stderr = gunicorn.stdout.read_text(), gunicorn.stderr.read_text()
    access = lines(stdout)
    errors = lines(stderr)
    assert all(line["logger"] == "gunicorn.access" for line in access)
    missing = next(line for line in access if line.get("path") == "/no-such-page/")
    assert missing["method"] == "GET" and missing["status"] == 404
    assert missing["request_id"] == request_id
    assert isinstance(missing["duration_ms"], int) and missing["level"] == "info"
    assert "timestamp" in missing and missing["event"] == "GET /no-such-page/ 404"
    assert any(line.get("path") == "/health/live" and line["status"] == 200 for line in access)
    # The query string (a postcode, a name) is nowhere: not in the access line, not in any other.
    assert "NN1" not in stdout + stderr
    assert "Ada" not in stdout + stderr
    # gunicorn's own lines: started, a worker booted, shut down; as JSON with a level.
    events = [line["event"] for line in errors if line.get("logger") == "gunicorn.error"]
    assert any(event.startswith("Listening at") for event in events), events
    assert any(event.startswith("Booting worker") for event in events), events
    assert any("Shutting down" in event for event in events), events
