"""gunicorn's settings for linkwork's web processes (docs/operations.md, "Processes").

Started by docker/entrypoint.sh web (and `make serve`) as `gunicorn --config gunicorn.conf.py`.
Every number can be changed from the environment without a new image.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from config.env import get_bool, get_env, load_dotenv  # noqa: E402
from config.logging import gunicorn_logconfig  # noqa: E402
from config.observability import log_format  # noqa: E402

# The same settings file Django reads (LINKWORK_ENV_FILE= reads none), for PORT and the proxies.
if env_file := os.environ.get("LINKWORK_ENV_FILE", str(HERE / ".env")):
    load_dotenv(Path(env_file))


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a whole number.") from None


def _cpus() -> int:
    # The CPUs this process may run on (a cpuset), not every CPU in the machine. A CPU quota
    # (docker --cpus) does not show here: set GUNICORN_WORKERS there.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"

# Listen on every interface of the container or machine, on $PORT (default 8000);
# GUNICORN_BIND replaces the whole address (e.g. 127.0.0.1:8000, or unix:/run/linkwork.sock).
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"

# Processes: the usual 2 per CPU + 1. Each has two threads, so a request waiting on the
# database or GOV.UK Notify does not hold up the next one; more threads than that queue on
# the process's GIL (bench/README.md: at a county's peak x10, p95 315 ms with 4 threads,
# 208 ms with 2, 589 ms with 1). Each thread keeps its own
# database connection (DATABASE_CONN_MAX_AGE): PostgreSQL needs workers × threads
# connections per web process, plus one per background worker and the sweep.
workers = _int("GUNICORN_WORKERS", 2 * _cpus() + 1)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"

# A request that takes longer than this is killed (and logged) rather than tying up a thread
# for ever; a CSV upload is checked by the bulk worker, not in the request.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (a deploy, `docker compose stop`), requests in flight have this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep idle connections from a load balancer open a little longer than it keeps them (so the
# balancer, not gunicorn, closes them: no 502 from a race); set to the balancer's idle timeout
# plus a few seconds.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Each process is replaced after this many requests (± jitter, so not all at once): a slow
# leak in any library cannot grow without bound. Not fewer: a process answers up to ~50
# requests a second, and each replacement costs a second or two of CPU and a pause
# (bench/README.md: at 2,000 the load bench saw a process replaced every ~30 s).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Heartbeat files in memory, not on a container's overlay disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs to standard output (requests) and error (the rest), for the container or the service
# manager to collect: one JSON object per line through the application's own formatter
# (config/logging.py: personal data scrubbed), or readable lines where the application's are
# (LINKWORK_LOG_FORMAT, DEBUG, a demo). Each request is a line of its own, with the method,
# the path without the query string, the status, bytes, milliseconds and the request id
# (core/request_id.py, its X-Request-ID) as fields, to join it to the application's lines; no
# query string and no referrer: searches by postcode, filters and referrers can carry
# personal data.
accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s"
logconfig_dict = gunicorn_logconfig(
    fmt=log_format(debug=get_bool("DJANGO_DEBUG"), nonprod=get_bool("LINKWORK_NONPROD")),
    level=get_env("LINKWORK_LOG_LEVEL", "INFO"),
)

# The proxies in front of linkwork (LINKWORK_TRUSTED_PROXIES, as Django's settings read it
# for core/client_address.py) are the only peers whose forwarding headers gunicorn believes;
# none when it is empty. X-Forwarded-Proto is believed from them only when the operator has
# said TLS ends at the proxy (LINKWORK_BEHIND_TLS_PROXY=1, as in config/settings.py).
forwarded_allow_ips = ",".join(
    item.strip()
    for item in os.environ.get("LINKWORK_TRUSTED_PROXIES", "").split(",")
    if item.strip()
)
_behind_tls_proxy = os.environ.get("LINKWORK_BEHIND_TLS_PROXY", "").strip().lower()
if _behind_tls_proxy in {"1", "true", "yes", "on"}:
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
else:
    secure_scheme_headers = {}


def child_exit(server, worker):
    """In the arbiter, when a worker has exited (replaced after max_requests, killed on a
    timeout): with PROMETHEUS_MULTIPROC_DIR (docker/entrypoint.sh sets it), its live gauges
    stop counting; its counters' files stay, so that totals never go backwards."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
