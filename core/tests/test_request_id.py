"""A request id on every log line: made here or taken from a trusted proxy, sent back in the
response, and carried into the background tasks the request started (and theirs)."""

import re

import pytest
import structlog
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.passwords import send_reset_link
from core import request_id
from core.tests.log_capture import json_logs

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _nothing_bound():
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()


def test_each_request_gets_a_new_id_sent_back_in_the_response(client):
    first = client.get(reverse("accounts:login"))["X-Request-ID"]
    second = client.get(reverse("accounts:login"))["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_clients_own_request_id_is_not_believed(settings):
    settings.LINKWORK_TRUSTED_PROXIES = [f"{PROXY}/32"]
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    response = stranger.get(reverse("accounts:login"), HTTP_X_REQUEST_ID="chosen-by-a-client")
    assert response["X-Request-ID"] != "chosen-by-a-client"


def test_the_load_balancers_request_id_is_kept(settings):
    settings.LINKWORK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    balancer = Client(REMOTE_ADDR=PROXY)
    response = balancer.get(reverse("accounts:login"), HTTP_X_REQUEST_ID="lb-7f3a:91.2_x")
    assert response["X-Request-ID"] == "lb-7f3a:91.2_x"


@pytest.mark.parametrize(
    "value", ["has spaces", "x" * 129, "name=Margaret", "new\nline", "a\u00e9b", ""]
)
def test_a_request_id_that_does_not_look_like_one_is_replaced(settings, value):
    settings.LINKWORK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = Client(REMOTE_ADDR=PROXY).get(reverse("accounts:login"), HTTP_X_REQUEST_ID=value)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_line_logged_while_handling_a_request_carries_its_id(client):
    with json_logs() as logs:
        response = client.get("/no-such-page/")  # Django logs "Not Found", we log the request
    assert response.status_code == 404
    lines = logs.lines
    assert {line["logger"] for line in lines} >= {"django.request", "linkwork.request"}
    assert all(line["request_id"] == response["X-Request-ID"] for line in lines), lines
    request_line = next(line for line in lines if line["event"] == "request")
    assert request_line["status"] == 404 and request_line["method"] == "GET"
    assert "no-such-page" not in str(request_line)  # the route is logged, never the path


def test_the_request_line_names_the_route_and_the_signed_in_user(
    client, link_worker, active_referral
):
    client.force_login(link_worker)
    with json_logs() as logs:
        response = client.get(reverse("casework:case", args=[active_referral.pk]))
    assert response.status_code == 200
    line = next(line for line in logs.lines if line["event"] == "request")
    # The pattern, not the record's id, so that lines group by page.
    assert (line["route"], line["view"]) == ("/cases/<uuid:pk>/", "casework:case")
    assert str(active_referral.pk) not in str(line)
    assert line["user_id"] == str(link_worker.pk)
    assert line["request_id"] == response["X-Request-ID"]
    assert isinstance(line["duration_ms"], float)


def test_a_task_started_by_a_request_logs_with_that_requests_id(client, link_worker, run_tasks):
    response = client.post(reverse("accounts:password_reset"), {"email": link_worker.email})
    assert response.status_code == 302
    rid = response["X-Request-ID"]
    queued = DBTaskResult.objects.get(task_path="accounts.passwords.send_reset_link")
    # Beside the arguments, which reach the function unchanged.
    assert queued.args_kwargs == {"args": [link_worker.email], "kwargs": {}, "request_id": rid}
    with json_logs() as logs:
        run_tasks()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.return_value == "sent"
    task_lines = [line for line in logs.lines if line.get("task_id") == str(queued.pk)]
    assert task_lines and all(line["request_id"] == rid for line in task_lines)
    assert any("RUNNING" in line["event"] for line in task_lines)
    # The email it queued carries the same id, and so do that task's lines.
    followers = DBTaskResult.objects.exclude(pk=queued.pk)
    assert followers and all(f.args_kwargs.get("request_id") == rid for f in followers)
    assert all(line["request_id"] == rid for line in logs.lines)
    # Nothing is left bound once the tasks are done.
    assert request_id.current() is None


def test_a_task_queued_outside_a_request_gets_its_own_id_when_it_runs(link_worker, run_tasks):
    send_reset_link.enqueue(link_worker.email)
    queued = DBTaskResult.objects.get()
    assert "request_id" not in queued.args_kwargs
    with json_logs() as logs:
        run_tasks()
    ids = {line["request_id"] for line in logs.lines if line.get("task_id") == str(queued.pk)}
    assert len(ids) == 1 and re.fullmatch(r"[0-9a-f]{32}", ids.pop())
