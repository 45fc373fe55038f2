"""Prometheus metrics at `/metrics`, for Prometheus only.

Request rates and latencies come from django-prometheus's middleware (`django_http_*`: by
view, method and status). Ours are read from the database when Prometheus scrapes, from
indexed columns, and reused for METRICS_CACHE_SECONDS by each web process:

- `linkwork_tasks_waiting{queue}`: tasks that are due and not started;
- `linkwork_tasks_oldest_waiting_seconds{queue}`: how long the longest-waiting one has waited;
- `linkwork_worker_last_heartbeat_age_seconds`: since a worker last reported (absent if none has);
- `linkwork_tasks_failed{task}`: failed task results still kept (the retention duty prunes
  them, so alert on `increase(…) > 0` rather than on the level);
- `linkwork_messages_not_delivered{channel, status}`: texts and emails that could not be
  sent or delivered, still kept.

Who may read it: a request with `Authorization: Bearer <LINKWORK_METRICS_TOKEN>`, or from an
address in LINKWORK_METRICS_ALLOWED_ADDRESSES (the client's address as
core.client_address finds it). Anyone else gets the same 404 as any unknown path; with neither
set, nobody does. With several web processes (gunicorn workers), each counts its own requests:
set PROMETHEUS_MULTIPROC_DIR to an empty folder they share so that any one answers for all
(docs/operations.md).
"""

import ipaddress
import os
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core import background
from core.client_address import client_address, parse_address

METRICS_CACHE_SECONDS = 15
CACHE_KEY = "core:metrics-snapshot"


def allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return True
    networks = [
        ipaddress.ip_network(entry, strict=False)
        for entry in getattr(settings, "METRICS_ALLOWED_ADDRESSES", ())
    ]
    if networks:
        address = parse_address(client_address(request))
        return address is not None and any(
            address.version == network.version and address in network for network in networks
        )
    return False


def snapshot() -> dict:
    """What our gauges show, from a handful of small queries."""
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Message

    now = timezone.now()
    queues = dict.fromkeys(settings.TASKS["default"].get("QUEUES", ["default"]), (0, None))
    waiting = (
        DBTaskResult.objects.ready()
        .values("queue_name")
        .annotate(count=Count("pk"), oldest=Min(background._waiting_since()))
        .order_by()
    )
    for row in waiting:
        age = max(0.0, (now - row["oldest"]).total_seconds()) if row["oldest"] else None
        queues[row["queue_name"]] = (row["count"], age)
    heartbeat = background.last_heartbeat()
    failed = (
        DBTaskResult.objects.failed().values("task_path").annotate(count=Count("pk")).order_by()
    )
    problems = (
        Message.objects.filter(
            status__in=[
                Message.Status.FAILED,
                Message.Status.PERMANENT_FAILURE,
                Message.Status.TEMPORARY_FAILURE,
            ]
        )
        .values("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {
        "queues": queues,
        "heartbeat_age": (now - heartbeat).total_seconds() if heartbeat else None,
        "failed": {row["task_path"]: row["count"] for row in failed},
        "messages": {(row["channel"], row["status"]): row["count"] for row in problems},
    }


class LinkworkCollector:
    """Our gauges, collected when Prometheus scrapes."""

    def collect(self):
        values = cache.get(CACHE_KEY)
        if values is None:
            values = snapshot()
            cache.set(CACHE_KEY, values, METRICS_CACHE_SECONDS)
        waiting = GaugeMetricFamily(
            "linkwork_tasks_waiting", "Background tasks due and not started", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "linkwork_tasks_oldest_waiting_seconds",
            "How long the longest-waiting due task has waited",
            labels=["queue"],
        )
        for queue, (count, age) in sorted(values["queues"].items()):
            waiting.add_metric([queue], count)
            oldest.add_metric([queue], age or 0.0)
        yield waiting
        yield oldest
        heartbeat = GaugeMetricFamily(
            "linkwork_worker_last_heartbeat_age_seconds", "Seconds since a worker last reported"
        )
        if values["heartbeat_age"] is not None:
            heartbeat.add_metric([], values["heartbeat_age"])
        yield heartbeat
        failed = GaugeMetricFamily(
            "linkwork_tasks_failed", "Failed background task results still kept", labels=["task"]
        )
        for task, count in sorted(values["failed"].items()):
            failed.add_metric([task], count)
        yield failed
        messages = GaugeMetricFamily(
            "linkwork_messages_not_delivered",
            "Texts and emails that could not be sent or delivered, still kept",
            labels=["channel", "status"],
        )
        for (channel, status), count in sorted(values["messages"].items()):
            messages.add_metric([channel, status], count)
        yield messages


_ours = CollectorRegistry()
_ours.register(LinkworkCollector())


def metrics(request):
    """The exposition, or None (the request goes on to an ordinary 404)."""
    if not allowed(request):
        return None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    body = generate_latest(requests) + generate_latest(_ours)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
