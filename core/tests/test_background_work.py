"""A stopped or stuck worker is noticed: heartbeat, /api/v1/health and the team leads' banner.

Times are relative to the moment each test starts, moved with time_machine."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import background
from core.management.commands import worker as worker_command
from core.models import WorkerHeartbeat
from core.periodic import run_duty

pytestmark = pytest.mark.django_db

# Any task will do: one periodic duty, booked as the sweep books it.
DUTY = "core.audit_chain.seal_pending"

HEALTH = "/api/v1/health"
BANNER = 'data-background-work="behind"'


@pytest.fixture(autouse=True)
def _fresh_status_cache():
    cache.delete(background.CACHE_KEY)
    yield
    cache.delete(background.CACHE_KEY)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_health_is_ok_when_the_worker_reports_and_nothing_waits(client, clock):
    background.beat("w1")
    clock.shift(timedelta(seconds=20))
    response = client.get(HEALTH)
    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is True and body["database"] == "ok"
    assert body["worker"]["last_heartbeat_seconds"] == 20
    assert body["worker"]["oldest_due_task_waiting_seconds"] == 0


def test_health_is_503_when_no_worker_has_ever_reported(client, clock):
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["worker"]["last_heartbeat_seconds"] is None


def test_health_is_503_when_a_due_task_has_waited_too_long(client, clock):
    run_duty.enqueue(DUTY)
    clock.shift(timedelta(minutes=4))
    background.beat("w1")  # the worker is alive, but stuck on something else
    assert client.get(HEALTH).status_code == 200
    clock.shift(timedelta(minutes=2))
    background.beat("w1")
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["worker"]["oldest_due_task_waiting_seconds"] == 6 * 60


def test_health_is_503_when_the_worker_stops_reporting(client, clock):
    background.beat("w1")
    clock.shift(timedelta(minutes=6))
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["worker"]["last_heartbeat_seconds"] == 6 * 60


def test_a_task_booked_for_later_is_not_waiting_until_it_falls_due(client, clock):
    run_duty.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(DUTY)
    clock.shift(timedelta(minutes=50))
    background.beat("w1")
    assert client.get(HEALTH).status_code == 200
    clock.shift(timedelta(minutes=16))  # due 6 minutes ago, still not run
    background.beat("w1")
    response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["worker"]["oldest_due_task_waiting_seconds"] == 6 * 60


def test_health_is_503_when_the_database_cannot_be_reached(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get(HEALTH)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_health_is_answered_over_http_when_https_is_enforced(client, settings):
    # Load balancers probe from inside the network over plain http.
    settings.SECURE_SSL_REDIRECT = True
    background.beat("w1")
    assert client.get(HEALTH).status_code == 200
    assert client.get("/accounts/sign-in/").status_code == 301


def test_team_leads_see_a_banner_when_work_is_more_than_five_minutes_behind(
    client, clock, team_lead
):
    client.force_login(team_lead)
    run_duty.enqueue(DUTY)
    clock.shift(timedelta(minutes=4))
    background.beat("w1")
    assert BANNER not in client.get(reverse("referrals:triage")).content.decode()
    clock.shift(timedelta(minutes=2))  # the cached answer has expired too
    background.beat("w1")
    page = client.get(reverse("referrals:triage")).content.decode()
    assert BANNER in page
    assert "Background work is 6 minutes behind" in page


def test_banner_when_work_waits_and_the_worker_has_been_silent(client, clock, team_lead):
    client.force_login(team_lead)
    background.beat("w1")
    clock.shift(timedelta(minutes=20))
    run_duty.enqueue(DUTY)  # waiting one minute only, but nobody is there to run it
    clock.shift(timedelta(minutes=1))
    page = client.get(reverse("referrals:triage")).content.decode()
    assert BANNER in page
    assert "Background work has stopped" in page


def test_no_banner_for_a_quiet_queue_with_a_silent_worker(client, clock, team_lead):
    # Nothing is held up, so nothing for the team to act on (health still says 503).
    client.force_login(team_lead)
    background.beat("w1")
    clock.shift(timedelta(minutes=20))
    assert BANNER not in client.get(reverse("referrals:triage")).content.decode()


def test_link_workers_see_no_banner_and_pay_no_query(client, clock, link_worker):
    client.force_login(link_worker)
    run_duty.enqueue(DUTY)
    clock.shift(timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("casework:caseload")).content.decode()
    assert BANNER not in page
    assert not [q for q in queries.captured_queries if "dbtaskresult" in q["sql"].lower()]


def test_the_banner_costs_a_team_lead_one_query_then_none_while_cached(client, team_lead):
    client.force_login(team_lead)
    url = reverse("referrals:triage")

    def status_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [
            q["sql"].lower()
            for q in queries.captured_queries
            if "dbtaskresult" in q["sql"].lower() or "workerheartbeat" in q["sql"].lower()
        ]

    cold = status_queries()
    assert len(cold) == 1 and "workerheartbeat" in cold[0]  # tasks and heartbeat together
    assert status_queries() == []


def test_the_worker_reports_before_its_first_task_under_the_id_it_runs_tasks_with():
    seen = {}

    def fake_db_worker(name, **options):
        seen["worker_id"] = options["worker_id"]
        seen["rows"] = list(WorkerHeartbeat.objects.values_list("worker_id", flat=True))

    with mock.patch.object(worker_command, "call_command", fake_db_worker):
        worker_command.Command().handle(batch=True, verbosity=0)
    assert seen["rows"] == [seen["worker_id"]]


def test_starting_a_worker_forgets_workers_gone_for_a_day(clock):
    background.beat("gone")
    clock.shift(timedelta(days=2))
    with mock.patch.object(worker_command, "call_command"):
        worker_command.Command().handle(batch=True, verbosity=0)
    assert not WorkerHeartbeat.objects.filter(pk="gone").exists()
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_beating_through_a_long_task():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        background.beat("w1")
        started = WorkerHeartbeat.objects.get().last_seen_at
        thread = background.HeartbeatThread("w1", every=0.05)
        thread.start()
        try:
            clock.shift(timedelta(minutes=10))  # the main thread is busy with a long task
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                seen = WorkerHeartbeat.objects.get().last_seen_at
                if seen > started:
                    break
                time.sleep(0.05)
        finally:
            thread.stop()
    assert seen - started == timedelta(minutes=10)
    assert not thread.is_alive()
