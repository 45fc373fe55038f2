"""/metrics: Prometheus's, and nobody else's (a 404 like any unknown path); request rates and
latencies from django-prometheus, and our backlog, failure and delivery gauges from the
database."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from accounts.passwords import send_reset_link
from core import background, metrics
from notifications.actions import message_person
from notifications.models import Message
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = "s3cr3t-metrics-token-0123456789abcdefghij"
SCRAPE = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_ADDRESSES = []
    cache.delete(metrics.CACHE_KEY)
    yield
    cache.delete(metrics.CACHE_KEY)


def samples(response) -> dict:
    """{(name, labels as a sorted tuple): value} from the exposition."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_nobody_without_the_token_or_an_allowed_address_sees_it(client, settings):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # no scheme

    # The same page as any unknown path: nothing says that something is here.
    def page(path):
        return re.sub(r'nonce="[^"]+"', "", client.get(path).content.decode())

    assert page("/metrics") == page("/no-such-page/")
    # With no token set, not even an empty bearer gets in.
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_prometheus_with_the_token_sees_request_rates_and_latencies(client, settings):
    settings.ALLOWED_HOSTS = ["linkwork.example.nhs.uk"]  # scraped by its internal address
    client.get("/accounts/sign-in/", HTTP_HOST="linkwork.example.nhs.uk")
    response = client.get("/metrics", HTTP_HOST="10.0.3.17:8000", **SCRAPE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    names = {name for name, _ in samples(response)}
    assert "django_http_requests_latency_including_middlewares_seconds_bucket" in names
    assert "django_http_responses_total_by_status_view_method_total" in names


def test_an_allowed_address_needs_no_token(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.9.8.7").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    # Through the load balancer, the client is whoever it forwarded for.
    settings.LINKWORK_TRUSTED_PROXIES = ["10.0.0.5/32"]
    outside = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert outside.get("/metrics").status_code == 404


def test_backlog_failures_and_undelivered_messages_are_counted(
    client, link_worker, service, referrer, notify, run_tasks
):
    ten_tomorrow = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    with time_machine.travel(ten_tomorrow, tick=False) as clock:
        # A text Notify refuses (a landline): not delivered.
        person = factories.PersonDetailsFactory(texts_allowed=True, phone="01604496000")
        referral = factories.referral(by=referrer, service=service, person=person)
        message_person(
            by=None,
            person=referral.person,
            referral=referral,
            template_code="how_did_it_go",
            personalisation={
                "name": "x",
                "activity": "Happy Cafe",
                "service": "Linkwork",
                "phone": "01604 496000",
                "worker": "Lin",
            },
            reference="metrics-test",
        )
        run_tasks()
        assert Message.objects.get(person=referral.person).status == Message.Status.FAILED
        # A task that failed, kept with its traceback.
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="notifications.tasks.send_message",
            queue_name="default",
            backend_name="default",
            run_after=timezone.now(),
            status="FAILED",
            exception_class_path="builtins.ValueError",
            traceback="",
        )
        # Work waiting for 90 seconds, and a worker last heard from 20 seconds ago.
        send_reset_link.enqueue(link_worker.email)
        queue = DBTaskResult.objects.filter(status="READY").get().queue_name
        clock.shift(timedelta(seconds=70))
        background.beat("w1")
        clock.shift(timedelta(seconds=20))
        found = samples(client.get("/metrics", **SCRAPE))

    assert found[("linkwork_tasks_waiting", (("queue", queue),))] == 1
    assert found[("linkwork_tasks_oldest_waiting_seconds", (("queue", queue),))] == 90
    for other in set(metrics.settings.TASKS["default"]["QUEUES"]) - {queue}:
        assert found[("linkwork_tasks_waiting", (("queue", other),))] == 0
    assert found[("linkwork_worker_last_heartbeat_age_seconds", ())] == 20
    assert found[("linkwork_tasks_failed", (("task", "notifications.tasks.send_message"),))] == 1
    not_delivered = ("linkwork_messages_not_delivered", (("channel", "sms"), ("status", "failed")))
    assert found[not_delivered] == 1


def test_gauges_are_read_once_per_cache_period(client, django_assert_max_num_queries):
    client.get("/metrics", **SCRAPE)
    with django_assert_max_num_queries(0):
        assert client.get("/metrics", **SCRAPE).status_code == 200
