"""/health/live and /health/ready tell the truth, and load balancers can reach them: any Host
header, plain http, not signed in, no session written.

Times are relative to the moment each test starts, moved with time_machine."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from core import background, health
from core.periodic import run_duty
from core.tests.log_capture import json_logs

pytestmark = pytest.mark.django_db

# Any task will do: one periodic duty, booked as the sweep books it.
DUTY = "core.audit_chain.seal_pending"

LIVE = "/health/live"
READY = "/health/ready"
# What a load balancer sends: its own idea of the Host (the server's internal address).
PROBE = {"HTTP_HOST": "10.0.3.17:8000"}


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.delete(background.CACHE_KEY)
    health.forget_migrations_check()
    yield
    health.forget_migrations_check()


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_live_answers_without_touching_the_database(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get(LIVE)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response["Cache-Control"] == "no-store"


def test_ready_when_the_database_answers_migrations_are_applied_and_a_worker_reports(client, clock):
    background.beat("w1")
    clock.shift(timedelta(seconds=20))
    response = client.get(READY)
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True and body["not_ready"] == []
    assert body["database"] == "ok"
    assert body["migrations"] == {"ok": True, "pending": 0}
    assert body["worker"]["ok"] is True and body["worker"]["last_heartbeat_seconds"] == 20
    assert response["Cache-Control"] == "no-store"


def test_not_ready_when_the_database_cannot_be_reached(client, clock):
    background.beat("w1")
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get(READY)
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["not_ready"] == ["database"]
    assert body["database"] == "unavailable"


def test_not_ready_while_migrations_are_pending(client, clock):
    background.beat("w1")
    # As if this release's newest migration had not been run yet.
    newest = max(
        name for app, name in MigrationRecorder(connection).applied_migrations() if app == "core"
    )
    MigrationRecorder(connection).record_unapplied("core", newest)
    response = client.get(READY)
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["migrations"]
    assert body["migrations"]["ok"] is False and body["migrations"]["pending"] >= 1
    # Once migrate has run, ready again (after the brief cache).
    MigrationRecorder(connection).record_applied("core", newest)
    assert client.get(READY).status_code == 503  # still the cached answer
    clock.shift(timedelta(seconds=health.MIGRATIONS_CACHE_SECONDS + 1))
    background.beat("w1")
    assert client.get(READY).status_code == 200


def test_not_ready_when_the_worker_stops_and_ready_again_when_it_returns(client, clock):
    background.beat("w1")
    assert client.get(READY).status_code == 200
    clock.shift(timedelta(minutes=6))  # no heartbeat for longer than the 5-minute limit
    response = client.get(READY)
    assert response.status_code == 503
    body = response.json()
    assert body["not_ready"] == ["worker"]
    assert body["worker"]["last_heartbeat_seconds"] == 6 * 60
    background.beat("w1")  # the worker is back
    response = client.get(READY)
    assert response.status_code == 200 and response.json()["not_ready"] == []


def test_not_ready_when_a_due_task_has_waited_too_long(client, clock):
    run_duty.enqueue(DUTY)
    clock.shift(timedelta(minutes=6))
    background.beat("w1")  # alive, but not getting through the work
    response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["not_ready"] == ["worker"]
    assert response.json()["worker"]["oldest_due_task_waiting_seconds"] == 6 * 60


def test_api_v1_health_is_the_same_answer(client, clock):
    background.beat("w1")
    ready, old = client.get(READY).json(), client.get("/api/v1/health").json()
    assert ready == old


def test_probes_answer_a_host_not_in_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["linkwork.example.nhs.uk"]
    background.beat("w1")
    assert client.get(LIVE, **PROBE).status_code == 200
    assert client.get(READY, **PROBE).status_code == 200
    # Every other path still refuses a Host that is not ours.
    assert client.get("/accounts/sign-in/", **PROBE).status_code == 400


def test_probes_answer_over_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    background.beat("w1")
    assert client.get(LIVE).status_code == 200
    assert client.get(READY).status_code == 200
    assert client.get("/accounts/sign-in/").status_code == 301
    for path in ("health/live", "health/ready", "api/v1/health", "metrics"):
        assert any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_probes_need_no_sign_in_and_write_no_session(client, link_worker):
    background.beat("w1")
    anonymous = Client()
    response = anonymous.get(READY)
    assert response.status_code == 200 and not response.cookies
    # A signed-in browser's session is neither read nor renewed.
    client.force_login(link_worker)
    sessions = {s.session_key: s.expire_date for s in Session.objects.all()}
    response = client.get(READY)
    assert response.status_code == 200 and not response.cookies
    assert {s.session_key: s.expire_date for s in Session.objects.all()} == sessions


def test_head_is_answered_and_other_methods_go_on_to_the_usual_handling(client):
    response = client.head(LIVE)
    assert response.status_code == 200 and response.content == b""
    assert client.post(LIVE).status_code == 404  # not a probe: an unknown path
    assert client.get("/health/live/").status_code == 404


def test_a_failing_probe_is_logged_with_its_request_id_and_a_passing_one_is_quiet(client):
    background.beat("w1")
    with json_logs() as logs:
        assert client.get(READY).status_code == 200
    assert logs.lines == []  # at INFO: probes every few seconds would drown everything else
    with (
        json_logs() as logs,
        mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")),
    ):
        response = client.get(READY)
    assert response.status_code == 503
    assert {line["event"] for line in logs.lines} == {
        "Health check: the database cannot be reached",
        "request",
        "Service Unavailable: /health/ready",  # Django's own line for any 5xx
    }
    assert all(line["request_id"] == response["X-Request-ID"] for line in logs.lines)
    request_line = next(line for line in logs.lines if line["event"] == "request")
    assert (request_line["route"], request_line["status"]) == ("/health/ready", 503)
