"""docker/entrypoint.sh, run as the image runs it (there is no container runtime here, so
the script itself is tested): production settings from the environment only, a fresh
SQLite database, gunicorn on a free port.

It refuses to start when `check --deploy` fails, before touching the database; otherwise it
migrates, collects the static files and becomes gunicorn, which serves the health check
(200 once a worker started by the same script reports), pages linking to hashed static
files, and those files compressed with a far-future immutable Cache-Control; the sweep it
starts books the periodic duties on both queues, and each process stops cleanly on
SIGTERM. gunicorn.conf.py is read with the environment it documents."""

import http.client
import json
import os
import re
import runpy
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
STARTUP_SECONDS = 300  # check --deploy, every migration and collectstatic, on a busy machine

pytestmark = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists() or not (ROOT / "static_build").exists(),
    reason="make install builds .venv and static_build/",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(tmp: Path, **extra) -> dict:
    """Only what production sets: no .env file, none of this test run's own settings."""
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "LINKWORK_ENV_FILE": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp / 'linkwork.sqlite3'}",
        "LINKWORK_STATIC_ROOT": str(tmp / "static"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # TLS ends at a proxy on this machine, which says so in X-Forwarded-Proto.
        "LINKWORK_BEHIND_TLS_PROXY": "1",
        "LINKWORK_TRUSTED_PROXIES": "127.0.0.1",
        "PORT": str(port),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        # Not the shared default under /tmp: tests run side by side.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
    }
    env.update(extra)
    return env


def start(env: dict, *args: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [str(ENTRYPOINT), *args],
            cwd=env["HOME"],  # anywhere: the script finds the project itself
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    return process.returncode


def get(port: int, path: str, *, https: bool = True, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if https:
        headers["X-Forwarded-Proto"] = "https"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def wait_for(condition, *, seconds: float, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            found = condition()
        except OSError:  # not listening yet
            found = None
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"still waiting after {seconds} s:\n{log.read_text()[-3000:]}")


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.mark.parametrize(
    "unsafe",
    [
        {"DJANGO_SECRET_KEY": None},  # missing: the settings refuse to load
        {"DJANGO_DEBUG": "1"},  # loads, but check --deploy warns (DEBUG on): not started
    ],
    ids=["no-secret-key", "debug-on"],
)
def test_a_failing_deploy_check_stops_it_before_the_database_is_touched(tmp_path, unsafe):
    env = production_env(tmp_path)
    for name, value in unsafe.items():
        if value is None:
            del env[name]
        else:
            env[name] = value
    result = subprocess.run(
        [str(ENTRYPOINT), "web"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert result.returncode != 0
    output = (result.stdout + result.stderr).decode()
    assert "DJANGO_SECRET_KEY" in output or "DEBUG" in output
    assert "Applying" not in output and "Booting worker" not in output
    assert not (tmp_path / "linkwork.sqlite3").exists()  # never migrated, never connected


def test_the_production_processes_start_from_the_entrypoint(tmp_path):
    env = production_env(tmp_path)
    port = int(env["PORT"])
    database = tmp_path / "linkwork.sqlite3"
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "sweep")}
    processes = {"web": start(env, "web", log=logs["web"])}
    try:
        # Checks, migrates a fresh database, collects static files, then gunicorn answers.
        health = wait_for(
            lambda: get(port, "/api/v1/health", https=False),
            seconds=STARTUP_SECONDS,
            process=processes["web"],
            log=logs["web"],
        )
        assert {"django_migrations", "referrals_referral"} <= tables(database)
        assert health[0].status == 503  # no worker has reported yet: the check says so

        # A worker for the time-critical queue and the sweep, as compose.yaml runs them.
        migrated = {**env, "LINKWORK_MIGRATE": "0"}
        processes["worker"] = start(
            migrated, "worker", "--queue-name", "default", log=logs["worker"]
        )
        processes["sweep"] = start(migrated, "sweep", log=logs["sweep"])
        response, body = wait_for(
            lambda: (r := get(port, "/api/v1/health", https=False))[0].status == 200 and r,
            seconds=120,
            process=processes["worker"],
            log=logs["worker"],
        )
        assert json.loads(body)["ok"] is True

        # Production settings: plain http is sent to https; through the TLS proxy, pages.
        response, _ = get(port, "/accounts/sign-in/", https=False)
        assert response.status == 301
        assert response.getheader("Location").startswith("https://")
        response, page = get(port, "/accounts/sign-in/?postcode=ZZ99%203ZZ")
        assert response.status == 200

        # The page links to the stylesheet by its hashed name…
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["css/nhsuk-linkwork.css"]
        assert re.fullmatch(r"css/nhsuk-linkwork\.[0-9a-f]{12}\.css", hashed)
        assert f'href="/static/{hashed}"'.encode() in page
        # …served compressed, cached for good (a new release has new names).
        response, compressed = get(port, f"/static/{hashed}", **{"Accept-Encoding": "gzip"})
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        cache = response.getheader("Cache-Control")
        assert "immutable" in cache and "max-age=315360000" in cache
        original = (ROOT / "static_build" / "css" / "nhsuk-linkwork.css").stat().st_size
        assert len(compressed) < original / 3
        # The plain name still answers, but is cached only briefly.
        response, _ = get(port, "/static/css/nhsuk-linkwork.css")
        assert response.status == 200 and "immutable" not in response.getheader("Cache-Control")

        # The sweep booked each periodic duty as its own task, on both queues; the worker for
        # the time-critical queue has taken nothing from the bulk one.
        def on_both_queues():
            with sqlite3.connect(database) as db:
                rows = db.execute(
                    "SELECT queue_name, status FROM django_tasks_database_dbtaskresult "
                    "WHERE task_path = 'core.periodic.run_duty'"
                ).fetchall()
            return {queue for queue, _ in rows} == {"default", "bulk"} and rows

        booked = wait_for(
            on_both_queues, seconds=120, process=processes["sweep"], log=logs["sweep"]
        )
        assert {status for queue, status in booked if queue == "bulk"} == {"READY"}
    finally:
        # SIGTERM, as `docker compose stop` sends: each stops gracefully, exit status 0.
        for name, process in reversed(processes.items()):
            assert stop(process) == 0, logs[name].read_text()[-3000:]

    assert "Sweep stopping (SIGTERM)" in logs["sweep"].read_text()
    # The access log has each request, as JSON, without query strings (they can carry
    # personal data).
    access = [
        json.loads(line)
        for line in logs["web"].read_text().splitlines()
        if '"logger": "gunicorn.access"' in line
    ]
    assert any(
        line["path"] == "/accounts/sign-in/" and line["status"] == 200 and line["request_id"]
        for line in access
    )
    assert not [line for line in access if "ZZ99" in str(line) or "postcode" in str(line)]
    # The web process kept its request counts in the folder the entrypoint made.
    assert list((tmp_path / "prometheus").glob("counter_*.db"))


def read_gunicorn_conf(monkeypatch, **env) -> dict:
    for name in [
        "PORT",
        "GUNICORN_BIND",
        "GUNICORN_WORKERS",
        "GUNICORN_THREADS",
        "LINKWORK_TRUSTED_PROXIES",
        "LINKWORK_BEHIND_TLS_PROXY",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LINKWORK_ENV_FILE", "")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_listens_on_port_and_sizes_itself_from_the_cpus(monkeypatch):
    conf = read_gunicorn_conf(monkeypatch)
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["threads"] >= 2 and conf["worker_class"] == "gthread"
    assert conf["timeout"] > conf["graceful_timeout"] > 0
    assert conf["accesslog"] == "-"
    assert "%(U)s" in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]
    assert "%(q)s" not in conf["access_log_format"] and "%(f)s" not in conf["access_log_format"]
    conf = read_gunicorn_conf(monkeypatch, PORT="9123", GUNICORN_WORKERS="3")
    assert conf["bind"] == "0.0.0.0:9123" and conf["workers"] == 3


def test_gunicorn_believes_forwarding_headers_only_from_the_trusted_proxies(monkeypatch):
    conf = read_gunicorn_conf(monkeypatch)
    assert conf["forwarded_allow_ips"] == "" and conf["secure_scheme_headers"] == {}
    conf = read_gunicorn_conf(
        monkeypatch,
        LINKWORK_TRUSTED_PROXIES="10.0.0.0/8, 2001:db8:1::/48",
        LINKWORK_BEHIND_TLS_PROXY="1",
    )
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8,2001:db8:1::/48"
    assert conf["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}


def test_the_web_process_gets_an_empty_shared_metrics_folder(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR is made, emptied of an earlier run's counts (and of nothing
    else), and handed to gunicorn: its workers' counters are written there."""
    folder = tmp_path / "metrics" / "multiproc"
    env = production_env(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(folder), LINKWORK_MIGRATE="0")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    folder.mkdir(parents=True)
    (folder / "counter_999999.db").write_bytes(b"an earlier run")
    (folder / "keep.txt").write_text("not prometheus_client's")
    # gunicorn loads the application (its middleware counts requests) and stops.
    result = subprocess.run(
        [str(ENTRYPOINT), "web", "--check-config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=STARTUP_SECONDS,
    )
    assert result.returncode == 0, (result.stdout + result.stderr).decode()[-3000:]
    assert not (folder / "counter_999999.db").exists()
    assert (folder / "keep.txt").exists()
    assert list(folder.glob("counter_*.db")), "gunicorn's process did not write its counts there"
