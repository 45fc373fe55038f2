"""Health probes for load balancers, orchestrators and monitoring.

- `/health/live`: the process answers. No database, nothing else: restart it if this fails.
- `/health/ready`: the database answers `SELECT 1`, every migration is applied, and
  background work keeps up (a worker has reported within LINKWORK_WORKER_LAG_ALERT_SECONDS
  and no due task has waited longer: core/background.py). 503 otherwise, the JSON body
  naming what is not ready (`not_ready`). `/api/v1/health` is the same answer, kept for
  monitoring set up before these existed.
- `/metrics` (core/metrics.py): Prometheus, for its token or addresses only.

`ProbeMiddleware`, next after the request id in MIDDLEWARE, answers these paths before
anything else runs (their lines carry a request id; a 200 is logged only at DEBUG), the
way django-lb-health-check and others do: load balancers probe each server from inside the
network with its own address as the Host (not in ALLOWED_HOSTS, so the host check would
answer 400), over plain http (the HTTPS redirect would answer 301), not signed in, and
without cookies (no session is read or written). Only these paths are let past those checks,
and they show no personal data. Any other method than GET or HEAD goes on to the usual
handling (a 404 or 405).
"""

import threading
import time

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from core import background

# How long a web process reuses its answer to "are all migrations applied?" (loading the
# migration graph reads every migration file).
MIGRATIONS_CACHE_SECONDS = 30

_migrations_lock = threading.Lock()
_migrations_checked: tuple[float, int] | None = None  # (when, pending count)


def pending_migrations() -> int:
    """How many migrations are not applied to the default database (cached briefly)."""
    global _migrations_checked
    with _migrations_lock:
        now = time.time()
        if _migrations_checked and now - _migrations_checked[0] < MIGRATIONS_CACHE_SECONDS:
            return _migrations_checked[1]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_checked = (now, len(plan))
        return len(plan)


def forget_migrations_check() -> None:
    global _migrations_checked
    with _migrations_lock:
        _migrations_checked = None


def readiness() -> tuple[int, dict]:
    """(status, body): background.health()'s answer, with the migrations and a list of
    what is not ready."""
    status, body = background.health()
    not_ready = []
    if body["database"] != "ok":
        not_ready.append("database")
    else:
        try:
            pending = pending_migrations()
        except DatabaseError:
            not_ready.append("database")
            body["database"] = "unavailable"
        else:
            body["migrations"] = {"ok": pending == 0, "pending": pending}
            if pending:
                not_ready.append("migrations")
        if not body.get("worker", {}).get("ok", False):
            not_ready.append("worker")
    body["ok"] = not not_ready
    body["not_ready"] = not_ready
    return (200 if not not_ready else 503), body


def live(request):
    return _no_store(JsonResponse({"ok": True}))


def ready(request):
    status, body = readiness()
    return _no_store(JsonResponse(body, status=status))


def _metrics(request):
    from core.metrics import metrics

    return metrics(request)


# Path -> view, answered by ProbeMiddleware. A view may return None to let the request go on
# (/metrics does for anyone without its token: the same 404 as any unknown path).
PROBES = {
    "/health/live": live,
    "/health/ready": ready,
    "/api/v1/health": ready,
    "/metrics": _metrics,
}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.probe = request.path_info  # named in the request's log line
        response = view(request)
        if response is None:
            return self.get_response(request)
        response["X-Content-Type-Options"] = "nosniff"
        if request.method == "HEAD":
            response.content = b""
        return response


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response
