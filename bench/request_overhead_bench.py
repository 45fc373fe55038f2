"""Request overhead benchmark: what every signed-in staff page pays before and after its own
work (the middleware, the session, the user and their second factor, the read audit, the
access log line, the page layout), in process.

Signs in one link worker with a verified second factor (as the tests do), then requests, with
the Django test client (warm-up first, then `--repeat` timed requests, median):

- `/health/live`: answered by core.health.ProbeMiddleware, no session, no sign-in;
- `/accounts/password/change/`: the cheapest signed-in page that renders layout.jinja (a form,
  no query of its own, no read audit);
- `/cases/` with nothing on the caseload: the same plus one list-view audit row (and its seal
  when the last one is a second old);

then the password page with accounts.middleware.OTPMiddleware in django-otp's place (when
MIDDLEWARE does not have it yet), and with each middleware taken out of MIDDLEWARE in turn (a new
client on the same session), where the page still answers 200. For each it prints process
CPU ms (`time.process_time`, so SQLite's work counts, PostgreSQL's does not; median and
fastest), wall ms and
the number of queries. Log lines are formatted as in production (JSON) and written to
/dev/null. Prints its figures; asserts nothing. See bench/README.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database, production_env  # noqa: E402 - after the path is set

SQLITE_PATTERN = "/tmp/linkwork-request-overhead-bench-{size}.sqlite3"
PASSWORD_PAGE = "/accounts/password/change/"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--referrals", type=int, default=0, help="only names the database (as other benches)"
    )
    parser.add_argument("--repeat", type=int, default=300, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        default="",
        help=f"PostgreSQL URL (a database with the size appended is made); default SQLite in "
        f"{SQLITE_PATTERN}",
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database made earlier")
    parser.add_argument(
        "--no-middleware-off", action="store_true", help="skip the one-middleware-off runs"
    )
    parser.add_argument("--profile", default="", help="a path (e.g. /cases/): cProfile it")
    args = parser.parse_args()
    url = fresh_database(
        args.database_url, args.referrals, sqlite_path=SQLITE_PATTERN, reuse=args.reuse
    )
    env = production_env(url)
    env["LINKWORK_LOG_FORMAT"] = "json"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(vars(args))], cwd=ROOT, env=env
    )
    sys.exit(result.returncode)


def child(args: dict):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from tests.second_factor import force_login

    # Formatted as in production, thrown away: the JSON line is part of the cost.
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)

    worker = _link_worker()
    signed_in = Client(raise_request_exception=False)
    force_login(signed_in, worker)  # with the second factor, as the tests sign in
    visitor = Client(raise_request_exception=False)

    print(
        f"linkwork request overhead benchmark, {connection.vendor}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; "
        f"median of {args['repeat']} warm requests"
    )
    print(f"{'request':<52}{'status':>7}{'CPU ms':>9}{'fastest':>9}{'wall ms':>9}{'queries':>9}")
    cases = [
        ("/health/live (no session)", visitor, "/health/live"),
        ("password page (signed in)", signed_in, PASSWORD_PAGE),
        ("empty caseload (signed in, 1 audit row)", signed_in, "/cases/"),
    ]
    for label, client, path in cases:
        _print(label, measure(client, path, args["repeat"], profile=args["profile"] == path))
    from django.test import override_settings

    full = list(settings.MIDDLEWARE)
    # accounts.middleware.OTPMiddleware in django-otp's place, where it is not yet (it takes
    # the device loaded with the account: one query fewer).
    proposed = "accounts.middleware.OTPMiddleware"
    if "django_otp.middleware.OTPMiddleware" in full and _importable(proposed):
        swapped = [proposed if m == "django_otp.middleware.OTPMiddleware" else m for m in full]
        with override_settings(MIDDLEWARE=swapped):
            client = Client(raise_request_exception=False)
            client.cookies = signed_in.cookies
            _print(
                f"password page, {proposed}",
                measure(client, PASSWORD_PAGE, args["repeat"]),
            )
    if args["no_middleware_off"]:
        return
    for name in full:
        with override_settings(MIDDLEWARE=[m for m in full if m != name]):
            client = Client(raise_request_exception=False)
            client.cookies = signed_in.cookies
            try:
                t = measure(client, PASSWORD_PAGE, max(args["repeat"] // 3, 30))
            except Exception as error:  # noqa: BLE001 - the stack cannot run without it
                print(f"  without {name.rsplit('.', 1)[-1]:<42} fails: {type(error).__name__}")
                continue
            _print(f"  without {name.rsplit('.', 1)[-1]}", t)


def _importable(path: str) -> bool:
    from django.utils.module_loading import import_string

    try:
        import_string(path)
    except ImportError:
        return False
    return True


def _print(label, t):
    print(
        f"{label:<52}{t['status']:>7}{t['cpu']:>9.2f}{t['fastest']:>9.2f}{t['wall']:>9.2f}"
        f"{t['queries']:>9}",
        flush=True,
    )


def _link_worker():
    """One link worker of one service, with a confirmed authenticator (made once)."""
    from accounts.models import User
    from core.permissions import Role
    from tests import factories

    worker = User.objects.filter(role=Role.LINK_WORKER, email__startswith="bench-").first()
    if worker is not None:
        return worker
    area = factories.area(name="Bench area", code="E99999999")
    service = factories.service(area, name="Bench link worker service")
    worker = factories.user(organisation=service, role=Role.LINK_WORKER, full_name="Bench Worker")
    User.objects.filter(pk=worker.pk).update(email=f"bench-{worker.email}")
    return User.objects.get(pk=worker.pk)


class _Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def _once(client, path):
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        wall = time.perf_counter()
        cpu = time.process_time()
        response = client.get(path)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
    return cpu, wall, counter.queries, response.status_code


def measure(client, path, repeat, profile=False) -> dict:
    for _ in range(5):  # warm-up: templates compiled, caches filled, connection open
        _once(client, path)
    cpus, walls, queries, status = [], [], [], None
    for _ in range(repeat):
        cpu, wall, n, status = _once(client, path)
        cpus.append(cpu * 1000)
        walls.append(wall * 1000)
        queries.append(n)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            _once(client, path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    return {
        "status": status,
        "cpu": statistics.median(cpus),
        # On a machine shared with other work the fastest request is the steadier figure.
        "fastest": min(cpus),
        "wall": statistics.median(walls),
        # The most common count: a seal once a second adds a few now and then.
        "queries": statistics.mode(queries),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        main()
