"""Request ids: one per request, on every log line it causes, in the response, and carried into
the background tasks it starts.

The id comes from the `X-Request-ID` header only when the request came straight from one of
LINKWORK_TRUSTED_PROXIES (a load balancer that sets it) and looks like an id (letters, digits,
`._:-`, at most 128); otherwise it is a new random one. It is sent back as `X-Request-ID` and
bound with structlog's context variables, so every line logged while the request is handled,
ours, Django's or a library's, carries it (config/logging.py).

Tasks: `DatabaseBackend` below is django-tasks-db's, storing the id beside the task's
arguments (`args_kwargs["request_id"]`, which the worker does not pass to the function). When a
worker starts the task, the id is bound again with the task's id, so the task's lines and the
tasks it queues in turn carry it. A task queued outside any request (the periodic sweep) is
given a fresh id when it runs.

Why not django-structlog: it believes any client's X-Request-ID, logs the full path with its
query string (a postcode or a name typed into a search), the client's address and user agent,
and hands context to tasks through a cache that web and worker processes do not share.
"""

import re
import time
import uuid

import sentry_sdk
import structlog
from django.utils.functional import SimpleLazyObject, empty
from django_tasks_db.backend import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import normalize_json

from core.client_address import from_trusted_proxy

HEADER = "X-Request-ID"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

logger = structlog.get_logger("linkwork.request")


def new_id() -> str:
    return uuid.uuid4().hex


def current() -> str | None:
    """The id bound for the request or task being handled, if any."""
    return structlog.contextvars.get_contextvars().get("request_id")


def incoming(request) -> str | None:
    """The load balancer's id for this request, when it can be believed."""
    value = request.headers.get(HEADER, "")
    if value and VALID.fullmatch(value) and from_trusted_proxy(request):
        return value
    return None


class RequestIdMiddleware:
    """Binds the request id for everything below it, logs one line per request (the route,
    never the path or query string), and returns the id in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming(request) or new_id()
        request.request_id = request_id
        started = time.perf_counter()
        # Bound until the response is closed (request_finished, below): Django logs "Not
        # Found" and "Internal Server Error" after every middleware has returned.
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # Sentry events carry it too, to find the lines logged around an error.
        sentry_sdk.set_tag("request_id", request_id)
        response = self.get_response(request)
        _log_request(request, response, started)
        response[HEADER] = request_id
        return response


def unbind_request(sender, **kwargs) -> None:
    """request_finished: the response has been sent and closed."""
    structlog.contextvars.unbind_contextvars("request_id")


def _log_request(request, response, started: float) -> None:
    match = getattr(request, "resolver_match", None)
    # Static files (WhiteNoise) and health probes never reach a view: logged only at DEBUG,
    # unless something failed.
    log = logger.info if match is not None or response.status_code >= 400 else logger.debug
    log(
        "request",
        method=request.method,
        route=f"/{match.route}" if match is not None else getattr(request, "probe", None),
        view=match.view_name if match is not None else None,
        status=response.status_code,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
        user_id=_user_id(request),
    )


def _user_id(request) -> str | None:
    """The signed-in user's id, if the request already looked them up (never a query here)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    if user is None or not user.is_authenticated:
        return None
    return str(user.pk)


# Background tasks


class DatabaseBackend(_DatabaseBackend):
    """django-tasks-db's database backend, keeping the request id beside each task's
    arguments. (It rewrites `_task_to_db_task`; core/tests/test_request_id.py runs a real task
    through it, so a django-tasks-db upgrade that changes that method fails the test.)"""

    def _db_fields(self, task, args, kwargs) -> dict:
        args_kwargs = normalize_json({"args": args, "kwargs": kwargs})
        if (request_id := current()) is not None:
            args_kwargs["request_id"] = request_id
        return {
            "id": self._get_id(),
            "args_kwargs": args_kwargs,
            "priority": task.priority,
            "task_path": task.module_path,
            "queue_name": task.queue_name,
            "run_after": task.run_after,
            "backend_name": self.alias,
        }

    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.create(**self._db_fields(task, args, kwargs))

    async def _atask_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return await DBTaskResult.objects.acreate(**self._db_fields(task, args, kwargs))


_bound_for_task: dict[str, dict] = {}


def bind_task(sender, task_result, **kwargs) -> None:
    """task_started: the request id the task was queued with (or a new one) and the task."""
    db_result = getattr(task_result, "db_result", None)
    stored = (db_result.args_kwargs or {}).get("request_id") if db_result is not None else None
    task_id = str(task_result.id)
    _bound_for_task[task_id] = structlog.contextvars.bind_contextvars(
        request_id=stored if isinstance(stored, str) else new_id(),
        task_id=task_id,
        task=task_result.task.module_path,
    )


def unbind_task(sender, task_result, **kwargs) -> None:
    """task_finished: put back what was bound before the task started."""
    tokens = _bound_for_task.pop(str(task_result.id), None)
    if tokens:
        structlog.contextvars.reset_contextvars(**tokens)


def connect_signals() -> None:
    """Called once from core's AppConfig.ready(), in web and worker processes alike."""
    from django.core.signals import request_finished
    from django_tasks import signals

    request_finished.connect(unbind_request, dispatch_uid="linkwork-unbind-request")
    signals.task_finished.connect(unbind_task, dispatch_uid="linkwork-unbind-task")
    # django-tasks logs "Task … RUNNING" from its own task_started receiver, connected when it
    # was imported: connect ours first so that line carries the request id too.
    theirs = signals.log_task_started
    signals.task_started.disconnect(theirs)
    signals.task_started.connect(bind_task, dispatch_uid="linkwork-bind-task")
    signals.task_started.connect(theirs)
