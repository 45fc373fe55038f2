"""Directory search benchmark: engine, bare SQL and HTTP latency at several sizes.

Prints p50/p95 per query (milliseconds). See bench/README.md.
"""

import argparse
import csv
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import suppress
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHRASES = [
    "lonely",
    "new mum",
    "walking group",
    "money worries",
    "can't sleep",
    "choir",
    "men's shed",
    "debt advice",
    "gardening",
    "feeling down",
    "carers",
    "bereavement",
    "art class",
    "yoga",
    "befriending",
    "",
]
NEEDS = [
    "loneliness",
    "anxiety",
    "low-mood",
    "new-parent",
    "mental-health-crisis",
    "long-term-condition",
    "physical-activity",
    "money-debt",
    "housing",
    "carer",
    "bereavement",
]
KINDS = [
    ("Happy Cafe", "friendly drop-in cafe social"),
    ("Walking group", "gentle walks"),
    ("Men's Shed", "woodwork and repairs"),
    ("Choir", "community choir singing"),
    ("Debt advice", "help with debt benefits bills"),
    ("Parent and baby group", "postnatal baby toddler"),
    ("Relaxation class", "breathing relaxation mindfulness sleep"),
    ("Community garden", "gardening vegetables outdoors"),
    ("Befriending", "weekly call"),
    ("Art group", "painting crafts"),
    ("Chair yoga", "seated yoga balance"),
    ("Peer support", "recovery peer group"),
    ("Carers cafe", "support for carers"),
    ("Bereavement cafe", "loss grief talk"),
]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--services",
        type=int,
        action="append",
        help="directory size (repeat for several); default 3000 and 100000",
    )
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL of a database to (re)create; default SQLite",
    )
    parser.add_argument("--http", type=int, default=300, help="HTTP requests to time")
    args = parser.parse_args()
    sizes = args.services or [3000, 100_000]
    print(
        f"{'engine':<11}{'services':>9} | {'engine p50':>10} {'p95':>7} | {'bare SQL p50':>12} "
        f"{'p95':>7} | {'HTTP p50':>8} {'p95':>7} | {'ratio p95':>9}"
    )
    for size in sizes:
        url = _fresh_database(args.database_url, size)
        env = dict(
            os.environ,
            DATABASE_URL=url,
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret"),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            LINKWORK_NONPROD="0",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(size), str(args.queries), str(args.http)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            sys.exit(f"benchmark at {size} services failed:\n{result.stderr[-3000:]}")
        print(result.stdout.strip().splitlines()[-1], flush=True)


def _fresh_database(database_url: str, size: int) -> str:
    if not database_url:
        path = Path(f"/tmp/linkwork-bench-{size}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    parsed = urllib.parse.urlparse(database_url)
    name = f"{parsed.path.lstrip('/')}_{size}"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


def child(size: int, queries: int, http_requests: int):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    from directory.search import Query, expand, listings_queryset, nearby, nearby_rows, search

    rng = random.Random(size)
    districts = _districts()
    generate(size, districts, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    workload = [_query(rng, districts, Query) for _ in range(queries)]

    for q in workload[:20]:  # warm caches
        search(q)
    engine = []
    for q in workload:
        start = time.perf_counter()
        search(q)
        engine.append(time.perf_counter() - start)

    bare = []
    for q in workload:
        words, needs = expand(q.text)
        # The same two statements the engine runs to narrow the field, straight on the
        # cursor: listings in the box, then those passing every filter.
        statements = [nearby_rows(q).query.sql_with_params()]
        with suppress(EmptyResultSet):  # nothing near: the engine runs no second statement
            statements.append(
                listings_queryset(
                    q, words, sorted(set(q.needs) | needs), nearby(q).keys()
                ).query.sql_with_params()
            )
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        bare.append(time.perf_counter() - start)

    http = _http_times(workload[:http_requests])
    e50, e95 = _pct(engine)
    b50, b95 = _pct(bare)
    h50, h95 = _pct(http)
    print(
        f"{connection.vendor:<11}{size:>9} | {e50:>10.1f} {e95:>7.1f} | {b50:>12.1f} "
        f"{b95:>7.1f} | {h50:>8.1f} {h95:>7.1f} | {e95 / b95 if b95 else 0:>9.2f}"
    )


def generate(size, districts, rng):
    from directory.actions import save_services
    from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord
    from organisations.actions import create_area

    area = create_area(by=None, name="England (benchmark)", code="E92000001")
    records = []
    for _ in range(size):
        code, lat, lon = rng.choice(districts)
        name, words = rng.choice(KINDS)
        day = rng.choice(DAYS)
        opens = rng.choice([9, 10, 13, 18])
        price = rng.choice([None, None, None, "2.00", "3.50"])
        records.append(
            ServiceRecord(
                id=_uuid(rng),
                organization_id=_uuid(rng),
                organization_name=f"{code} group",
                name=f"{name} {code}",
                description=f"{name}: {words}",
                need_codes=rng.sample(NEEDS, rng.randint(1, 3)),
                capacity_maximum=20,
                capacity_available=rng.choice([None, 0, 3, 10]),
                locations=[
                    LocationRecord(
                        id=_uuid(rng),
                        name=f"{code} hall",
                        city=code,
                        postal_code=f"{code} 1AA",
                        latitude=lat + rng.gauss(0, 0.02),
                        longitude=lon + rng.gauss(0, 0.03),
                        wheelchair_accessible=rng.random() < 0.6,
                    )
                ],
                schedules=[
                    ScheduleRecord(
                        id=_uuid(rng), byday=day, opens_at=clock(opens), closes_at=clock(opens + 2)
                    )
                ],
                costs=[
                    CostRecord(
                        id=_uuid(rng),
                        amount=Decimal(price) if price else Decimal(0),
                        option="per session" if price else "Free",
                    )
                ],
            )
        )
    save_services(by=None, area=area, records=records)


def _query(rng, districts, Query):
    code, lat, lon = rng.choice(districts)
    text = rng.choice(PHRASES)
    needs = rng.sample(NEEDS, rng.choice([0, 0, 1, 2])) if text else rng.sample(NEEDS, 1)
    days = rng.sample(["mon", "tue", "wed", "thu", "fri"], 2) if rng.random() < 0.4 else []
    return Query(
        needs=needs,
        text=text,
        latitude=lat,
        longitude=lon,
        radius_km=rng.choice([5.0, 10.0, 15.0]),
        days=days,
        free_only=rng.random() < 0.2,
        wheelchair=rng.random() < 0.1,
        limit=20,
    )


def _http_times(workload):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--nothreading",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1/activities/search"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}?q=cafe&lat=52&lon=-1", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        times = []
        for q in workload:
            params = [
                ("lat", q.latitude),
                ("lon", q.longitude),
                ("radius_km", q.radius_km),
                ("q", q.text),
                ("limit", 20),
            ] + [("needs", n) for n in q.needs]
            if q.days:
                params.append(("days", ",".join(q.days)))
            if q.free_only:
                params.append(("free_only", "true"))
            url = f"{base}?{urllib.parse.urlencode(params)}"
            if not (q.text or q.needs):
                continue
            start = time.perf_counter()
            urllib.request.urlopen(url, timeout=10).read()
            times.append(time.perf_counter() - start)
        return times
    finally:
        server.terminate()
        server.wait(timeout=10)


def _districts():
    with (ROOT / "geography" / "data" / "outcodes.csv").open() as handle:
        return [
            (r["postcode"], float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(handle)
            if r["latitude"]
        ]


def _uuid(rng):
    return UUID(int=rng.getrandbits(128), version=4)


def _pct(samples):
    if not samples:
        return 0.0, 0.0
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
