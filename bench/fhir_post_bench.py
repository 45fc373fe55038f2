"""FHIR ServiceRequest POST benchmark: queries per POST and in-process time (issue 15).

Makes a throwaway database (SQLite in /tmp, or PostgreSQL named after --database-url with
the number of background referrals appended), an area with a link-worker service, a GP
practice with an API client and `--referrals` referrals already there, then POSTs `--posts`
realistic ServiceRequests (each a new person; one in ten without an NHS number) through
Django's test client (the whole middleware stack, no network), one at a time. Prints:

- queries per POST inside the request's transaction, and after it commits (the audit rows
  sealed into the hash chain, `core.audit_chain`), as the median over the timed POSTs;
- the time per POST, p50 and p95 in ms, wall and this process's CPU, as deployed, and with
  the after-commit sealing left to the periodic sweep (to show what it costs). On a busy
  machine the wall time includes waiting for a core; the CPU time is what a POST costs one;
- on PostgreSQL, the CPU the server's backend process spent per POST (its utime + stime
  from /proc/<pg_backend_pid()>/stat, read before and after each POST: the bench must run
  on the database's machine as a user allowed to read it, root or postgres), so that both
  halves of a POST's cost are measured. Clock ticks are coarse (10 ms), so its mean over
  the timed POSTs is shown, not quantiles.

    .venv/bin/python bench/fhir_post_bench.py                       # SQLite
    .venv/bin/python bench/fhir_post_bench.py --posts 500 \\
        --database-url postgres://postgres@127.0.0.1:5432/linkwork_bench   # PostgreSQL
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database, production_env  # noqa: E402 - after the path is set

SQLITE_PATTERN = "/tmp/linkwork-fhir-bench-{size}.sqlite3"
SEED = 15
EXAMPLE = ROOT / "docs" / "api" / "fhir-servicerequest-example.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="timed POSTs")
    parser.add_argument("--referrals", type=int, default=2000, help="referrals there before")
    parser.add_argument(
        "--database-url",
        default="",
        help=f"PostgreSQL URL (a database with the size appended is made; Django's database "
        f"OPTIONS may follow ?, as dj-database-url reads them); default SQLite in "
        f"{SQLITE_PATTERN}",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the timed POSTs; print the top 30"
    )
    args = parser.parse_args()
    # Options after "?" (like server_side_binding=true) are Django's, not the server's: the
    # database is made without them and the app connects with them.
    base, _, options = args.database_url.partition("?")
    url = fresh_database(base, args.referrals, sqlite_path=SQLITE_PATTERN)
    if options:
        url += f"?{options}"
    env = production_env(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(vars(args))], cwd=ROOT, env=env
    )
    sys.exit(result.returncode)


def _nhs_numbers(rng):
    from referrals.validators import nhs_number_check_digit

    seen = set()
    while True:
        first_nine = f"999{rng.randrange(10**6):06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None and first_nine not in seen:
            seen.add(first_nine)
            yield first_nine + str(check)


def _setup(args, rng, numbers):
    from datetime import date

    from api.fhir.actions import create_api_client
    from api.fhir.models import Scope
    from organisations.actions import create_area, create_organisation, create_pcn
    from referrals.actions import PersonDetails, create_referral
    from referrals.models import Need

    area = create_area(by=None, name="Bench area", code="E99999999")
    service = create_organisation(
        by=None, area=area, kind="link_worker_service", name="Bench link workers"
    )
    pcn = create_pcn(by=None, area=area, name="Bench PCN", ods_code="U99999")
    practice, other = (
        create_organisation(
            by=None, area=area, kind="gp_practice", name=name, ods_code=ods, pcn=pcn
        )
        for name, ods in (("Abington Park Surgery", "Y90001"), ("Elsewhere", "Y90002"))
    )
    _, token = create_api_client(
        by=None, organisation=practice, name="EMIS", scopes=list(Scope.values)
    )
    needs = list(Need.objects.all())
    for i in range(args["referrals"]):
        create_referral(
            by=None,
            service=service,
            person=PersonDetails(
                nhs_number=next(numbers),
                given_name="Alex",
                family_name=f"Bench{i}",
                date_of_birth=date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                postcode="NN1 5BD",
                phone="07700900461",
                email="",
                preferred_contact="phone",
            ),
            needs=rng.sample(needs, 2),
            context="Background referral",
            consent_to_contact=True,
            source="fhir",
            referring_organisation=rng.choice([practice, other]),
        )
    return token


def _bodies(count, rng, numbers, start):
    example = json.loads(EXAMPLE.read_text())
    for i in range(start, start + count):
        body = json.loads(json.dumps(example))
        body["identifier"][0]["value"] = f"BENCH-{i}"
        patient = body["contained"][0]
        patient["name"][0]["family"] = f"Posted{i}"
        patient["birthDate"] = f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        if i % 10 == 9:
            patient.pop("identifier")  # no NHS number: matched on details
        else:
            patient["identifier"][0]["value"] = next(numbers)
        yield json.dumps(body)


def child(args: dict):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core import audit

    logging.disable(logging.INFO)  # one JSON line per request would drown the figures
    rng = random.Random(SEED)
    numbers = _nhs_numbers(rng)
    started = time.perf_counter()
    token = _setup(args, rng, numbers)
    setup_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    posted = 0

    def post(body):
        response = client.post(
            "/api/fhir/ServiceRequest", body, "application/fhir+json", secure=True
        )
        if response.status_code != 201:
            sys.exit(f"POST answered {response.status_code}: {response.content[:500]!r}")

    def bodies(count):
        nonlocal posted
        made = list(_bodies(count, rng, numbers, posted))
        posted += count
        return made

    for body in bodies(20):  # warm: caches, connection, code paths
        post(body)

    # Queries: counted on their own pass (capturing them costs time), with the sealing of
    # the audit rows after commit told apart by running it separately.
    real_seal = audit._seal
    inside, after = [], []
    for body in bodies(min(50, args["posts"])):
        audit._seal = lambda: None
        with CaptureQueriesContext(connection) as captured:
            post(body)
        inside.append(len(captured.captured_queries))
        with CaptureQueriesContext(connection) as captured:
            real_seal()
        after.append(len(captured.captured_queries))
    audit._seal = real_seal

    measure_backend = _backend_readable(connection)

    def timed(count):
        # Wall time, and this process's CPU time: on a busy machine the first waits for the
        # others, the second is what a POST costs a core (the figure the load goal needs).
        # The database backend's CPU is summed (ticks are too coarse for one POST), over the
        # POSTs served by the backend they started with (the connection is renewed at times:
        # a backend that has gone cannot be read).
        wall, cpu = [], []
        backend_ms, backend_posts = 0.0, 0
        for body in bodies(count):
            stat = _backend_stat(connection) if measure_backend else None
            backend_begun = _backend_cpu_ms(stat) if stat else None
            begun, begun_cpu = time.perf_counter(), time.process_time()
            post(body)
            wall.append((time.perf_counter() - begun) * 1000)
            cpu.append((time.process_time() - begun_cpu) * 1000)
            if stat and connection.connection is not None and _backend_stat(connection) == stat:
                backend_ms += _backend_cpu_ms(stat) - backend_begun
                backend_posts += 1
        backend = backend_ms / backend_posts if backend_posts else None
        return wall, cpu, backend

    if args["profile"]:
        import cProfile
        import pstats

        # This process's CPU, not the wall clock: time spent waiting for the database (or
        # for a core, on a busy machine) is not what a POST costs here.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        timed(args["posts"])
        profiler.disable()
        profiler.dump_stats("/tmp/linkwork-fhir-bench.prof")
        pstats.Stats(profiler).sort_stats(
            os.environ.get("BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(int(os.environ.get("BENCH_PROFILE_TOP", "30")))
    deployed = timed(args["posts"])
    audit._seal = lambda: None
    unsealed = timed(args["posts"])
    audit._seal = real_seal
    audit._seal()  # leave the chain whole

    def quantiles(times):
        cuts = statistics.quantiles(times, n=20)
        return f"p50 {statistics.median(times):6.1f}  p95 {cuts[18]:6.1f}"

    print(
        f"linkwork FHIR POST benchmark, {connection.vendor}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores; {args['referrals']:,} referrals before "
        f"(made in {setup_seconds:.0f} s), {args['posts']} timed POSTs each way"
    )
    print(
        f"queries per POST: {statistics.median(inside):.0f} in the request's transaction "
        f"(max {max(inside)}), + {statistics.median(after):.0f} after commit (audit sealing)"
    )
    for label, (wall, cpu, backend) in (
        ("as deployed", deployed),
        ("sealing left to the sweep", unsealed),
    ):
        line = f"ms per POST, {label + ':':<27} wall {quantiles(wall)} | CPU {quantiles(cpu)}"
        if backend is not None:
            line += f" | PostgreSQL backend CPU mean {backend:5.1f}"
        print(line)


def _backend_readable(connection) -> bool:
    """Whether this process can read the PostgreSQL backend's /proc/<pid>/stat (the same
    machine, as root or postgres); never on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    if pid != connection.connection.info.backend_pid:
        sys.exit("pg_backend_pid() and the connection's backend_pid disagree")
    try:
        _backend_cpu_ms(_backend_stat(connection))
    except OSError:
        print(f"(cannot read /proc/{pid}/stat: the PostgreSQL backend's CPU is not measured)")
        return False
    return True


def _backend_stat(connection) -> Path:
    """/proc/<pid>/stat of the backend serving `connection` (opened if need be), as
    pg_backend_pid() names it; psycopg knows it without a round trip."""
    connection.ensure_connection()
    return Path(f"/proc/{connection.connection.info.backend_pid}/stat")


def _backend_cpu_ms(path: Path) -> float:
    # Fields after the command name (which is in brackets and may hold spaces): utime and
    # stime are the 14th and 15th of the whole line, the 12th and 13th after it.
    fields = path.read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        main()
