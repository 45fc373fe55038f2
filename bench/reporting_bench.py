"""Reporting benchmark: England-scale case history, the fact rebuild, every dashboard and
export, and the same aggregations in DuckDB in-process for comparison.

Prints its figures (milliseconds unless said otherwise); asserts nothing. See bench/README.md.
"""

import argparse
import csv
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.parse
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database, production_env  # noqa: E402 - after the path is set

SQLITE_PATTERN = "/tmp/linkwork-reporting-bench-{size}.sqlite3"
SLOW_MS = 2000  # the target: each dashboard within 2 s
SEED = 2026
PCNS_PER_PRACTICE = 1250 / 6500  # England: about 1,250 PCNs for 6,500 practices
SERVICE_SHARES = [0.6, 0.4]  # two link-worker services per area, one larger
PROVIDERS_PER_AREA = 3
ACTIVITIES_PER_AREA = 40
POSTCODES_PER_DISTRICT = 15
DASHBOARDS = [
    ("service", "/figures/"),
    ("outcomes", "/figures/outcomes/"),
    ("value", "/figures/nhs-use-and-value/"),
    ("equity", "/figures/equity/"),
    ("england", "/figures/england/"),
]
DOWNLOADS = {
    "service": "by-month",
    "outcomes": "measures",
    "value": "nhs-use",
    "equity": "equity-imd_decile",
    "england": "areas",
}
# The breakdowns the England dashboards need, compared with DuckDB.
COMPARED = [
    "all",
    "month",
    "area",
    "source",
    "need",
    "age_band",
    "sex",
    "ethnic_group",
    "imd_decile",
    "discharge_reason",
]
ACTIVITY_KINDS = [
    ("Happy Cafe", ["loneliness"]),
    ("Walking group", ["physical-activity", "loneliness"]),
    ("Men's Shed", ["loneliness", "low-mood"]),
    ("Community choir", ["loneliness", "low-mood"]),
    ("Debt and benefits advice", ["money-debt"]),
    ("Parent and baby group", ["new-parent"]),
    ("Relaxation class", ["anxiety", "low-mood"]),
    ("Community garden", ["physical-activity", "low-mood"]),
    ("Befriending", ["loneliness", "bereavement"]),
    ("Carers cafe", ["carer"]),
    ("Housing advice", ["housing"]),
    ("Living well with a long-term condition", ["long-term-condition"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=1_500_000)
    parser.add_argument("--areas", type=int, default=42, help="like England's 42 ICBs")
    parser.add_argument("--practices", type=int, default=6500)
    parser.add_argument("--link-workers", type=int, default=3600)
    parser.add_argument("--months", type=int, default=24, help="history span")
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL; its database name is a prefix (the size is added). "
        f"Default: SQLite in {SQLITE_PATTERN}",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database generated earlier: skip generation (and the fact rebuild, "
        "unless --rebuild or there are no facts yet)",
    )
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild the facts")
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="stop after generating the case history (run again with --reuse to measure)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per dashboard")
    args = parser.parse_args()
    url = fresh_database(
        args.database_url, args.referrals, sqlite_path=SQLITE_PATTERN, reuse=args.reuse
    )
    env = production_env(url)
    _log(f"database: {url}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(vars(args))], cwd=ROOT, env=env
    )
    sys.exit(result.returncode)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainders), each at least `minimum`."""
    spare = total - minimum * len(weights)
    scale = sum(weights)
    exact = [spare * w / scale for w in weights]
    shares = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: spare - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


# ---------------------------------------------------------------------------------------------
# The child: everything below runs with DATABASE_URL set and Django configured.


class Report:
    """Every figure, printed as a plain-text report at the end."""

    def __init__(self):
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines += ["", title, "-" * len(title)]

    def add(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, file=sys.stderr, flush=True)

    def print(self) -> None:
        print("\n".join(self.lines), flush=True)


def child(args: dict):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from referrals.models import Referral

    report = Report()
    rng = random.Random(SEED)
    today = timezone.localdate()
    vendor = connection.vendor
    report.add(
        f"linkwork reporting benchmark, {vendor} ({_server_version(connection)}), "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"
    )
    from reporting.models import ReferralFact

    generate = not (args["reuse"] and Referral.objects.exists())
    if generate:
        world = build_world(args, rng, report)
        write_history(args, world, today, rng, report)
        _analyse(connection, report, "after generation")
    else:
        report.section("World and history: reused")
        _counts_in_database(report)
    if args["history_only"]:
        report.print()
        return
    _nothing_in_the_future(report)
    if generate or args["rebuild"] or not ReferralFact.objects.exists():
        rebuild_facts(report)
        _analyse(connection, report, "after the fact rebuild")
    incremental_refresh(rng, report)
    viewers = _viewers()
    report.section("Who was measured")
    for line in viewers["describe"]:
        report.add(line)
    board_times = dashboards(args, viewers, report)
    downloads(args, viewers, report)
    extracts(viewers, report)
    duckdb_comparison(args, viewers, board_times, report)
    report.section("Database")
    report.add(f"size: {_database_size(connection) / 1e9:.2f} GB")
    report.print()


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _analyse(connection, report, when: str) -> None:
    """PostgreSQL: what autovacuum does soon after a bulk load (planner statistics, the
    visibility map). SQLite keeps no statistics unless told, and the application does not
    run ANALYZE, so neither does the benchmark."""
    if connection.vendor != "postgresql":
        return
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report.add(f"VACUUM ANALYZE {when}: {time.perf_counter() - start:.0f} s")


def _database_size(connection) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    name = Path(connection.settings_dict["NAME"])
    return sum(
        Path(f"{name}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{name}{suffix}").exists()
    )


# --- 1. The world ----------------------------------------------------------------------------


def build_world(args, rng, report) -> list[dict]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from core.permissions import Role
    from directory.actions import assign_owner, save_services
    from directory.models import Organization, Service
    from directory.records import LocationRecord, ServiceRecord
    from geography.models import Postcode
    from nonprod import history
    from organisations.actions import create_area, create_organisation, create_pcn
    from organisations.models import Organisation
    from referrals.models import DischargeReason, Need

    report.section("1. World")
    started = time.perf_counter()
    kind = Organisation.Kind
    password = make_password(secrets.token_urlsafe(16))  # hashed once: nobody signs in
    areas = args["areas"]
    weights = [rng.uniform(0.5, 2.0) for _ in range(areas)]
    practices = _split(args["practices"], weights, minimum=1)
    pcns = [max(1, min(p, round(p * PCNS_PER_PRACTICE))) for p in practices]
    workers = _split(args["link_workers"], weights, minimum=len(SERVICE_SHARES))
    referrals = _split(args["referrals"], weights)
    districts = list(
        Postcode.objects.filter(precision=Postcode.Precision.DISTRICT)
        .order_by("code")
        .values_list("code", "latitude", "longitude")
    )
    district_shares = _split(len(districts), weights, minimum=1)
    needs = dict(Need.objects.exclude(code="other").values_list("code", "id"))
    reasons = dict(DischargeReason.objects.values_list("code", "id"))
    users: list[User] = []

    def user(organisation, role, email, name):
        users.append(
            User(
                email=email,
                full_name=name,
                organisation=organisation,
                role=role,
                password=password,
                job_title=role.label,
            )
        )
        return users[-1]

    with transaction.atomic():
        england = create_area(by=None, name="England", code="E92000001")
        national_org = create_organisation(
            by=None, area=england, kind=kind.NATIONAL, name="NHS England (benchmark)"
        )
        user(national_org, Role.NATIONAL, "national@bench.linkwork.test", "National analyst")
    world = []
    postcode_rows = 0
    action_seconds = 0.0
    next_district = 0
    for i in range(areas):
        number = i + 1
        name = f"Bench ICB {number:02d}"
        code = f"E5499{number:04d}"
        domain = f"{code.lower()}.bench.linkwork.test"
        mine = districts[next_district : next_district + district_shares[i]]
        next_district += district_shares[i]
        with transaction.atomic():
            tick = time.perf_counter()
            area = create_area(by=None, name=name, code=code)
            commissioner_org = create_organisation(
                by=None, area=area, kind=kind.COMMISSIONER, name=f"{name} commissioning"
            )
            services = [
                create_organisation(
                    by=None,
                    area=area,
                    kind=kind.LINK_WORKER_SERVICE,
                    name=f"{name} Social Prescribing {part}",
                )
                for part in ("North", "South")[: len(SERVICE_SHARES)]
            ]
            providers = [
                create_organisation(
                    by=None, area=area, kind=kind.PROVIDER, name=f"{name} Community Groups {p + 1}"
                )
                for p in range(PROVIDERS_PER_AREA)
            ]
            networks = [
                create_pcn(
                    by=None, area=area, name=f"{name} PCN {p + 1}", ods_code=f"U{number:02d}{p:03d}"
                )
                for p in range(pcns[i])
            ]
            area_practices = [
                create_organisation(
                    by=None,
                    area=area,
                    kind=kind.GP_PRACTICE,
                    name=f"{mine[p % len(mine)][0]} Surgery {p + 1}",
                    ods_code=f"Y{number:02d}{p:04d}",
                    pcn=networks[p % len(networks)],
                )
                for p in range(practices[i])
            ]
            action_seconds += time.perf_counter() - tick
            commissioner = user(
                commissioner_org,
                Role.COMMISSIONER,
                f"commissioner@{domain}",
                f"Commissioner, {name}",
            )
            casts = []
            per_service = _split(workers[i], SERVICE_SHARES, minimum=1)
            counts = _split(referrals[i], SERVICE_SHARES)
            for s, service in enumerate(services):
                lead = user(
                    service, Role.TEAM_LEAD, f"lead{s + 1}@{domain}", f"Team lead, {service.name}"
                )
                team = [
                    user(
                        service,
                        Role.LINK_WORKER,
                        f"lw{s + 1}.{w + 1}@{domain}",
                        f"Link worker {w + 1}, {service.name}",
                    )
                    for w in range(per_service[s])
                ]
                casts.append(
                    {"service": service, "lead": lead, "workers": team, "count": counts[s]}
                )
            # The directory: ~40 activities on three providers' listings, owned by them.
            organization_ids = [history._id(rng) for _ in providers]
            records = []
            for a in range(ACTIVITIES_PER_AREA):
                title, need_codes = ACTIVITY_KINDS[a % len(ACTIVITY_KINDS)]
                district, lat, lon = mine[a % len(mine)]
                p = a % len(providers)
                records.append(
                    ServiceRecord(
                        id=history._id(rng),
                        organization_id=organization_ids[p],
                        organization_name=providers[p].name,
                        name=f"{title} ({district})",
                        need_codes=need_codes,
                        locations=[
                            LocationRecord(
                                id=history._id(rng),
                                name=f"{district} Community Centre",
                                address_1="1 High Street",
                                city=district,
                                postal_code=f"{district} 1AA",
                                latitude=lat,
                                longitude=lon,
                            )
                        ],
                    )
                )
            save_services(by=None, area=area, records=records)
            owners = dict(zip(organization_ids, providers, strict=True))
            for organization in Organization.objects.filter(area=area):
                assign_owner(by=None, organization=organization, owner=owners[organization.pk])
            rows = history.postcodes_for(
                [d for d, _, _ in mine], rng, per_district=POSTCODES_PER_DISTRICT
            )
            Postcode.objects.bulk_create([Postcode(**r) for r in rows], batch_size=2000)
            postcode_rows += len(rows)
            activities = list(
                Service.objects.filter(area=area, organization__owner__isnull=False).values_list(
                    "id", "organization__owner_id"
                )
            )
        world.append(
            {
                "area": area,
                "commissioner": commissioner,
                "practices": [p.pk for p in area_practices],
                "casts": casts,
                "activities": activities,
                "postcodes": [r["code"] for r in rows],
            }
        )
        if number % 10 == 0 or number == areas:
            _log(f"world: {number}/{areas} areas")
    tick = time.perf_counter()
    User.objects.bulk_create(users, batch_size=1000)
    users_seconds = time.perf_counter() - tick
    for place in world:
        place["needs"], place["reasons"] = needs, reasons
    report.add(
        f"{areas} areas + England; {sum(pcns):,} PCNs; {sum(practices):,} practices; "
        f"{areas * len(SERVICE_SHARES)} link-worker services; "
        f"{sum(workers):,} link workers; {areas * PROVIDERS_PER_AREA} providers; "
        f"{areas * ACTIVITIES_PER_AREA:,} activities; {len(districts):,} postcode districts; "
        f"{postcode_rows:,} synthetic full postcodes"
    )
    report.add(
        f"areas, organisations, PCNs and practices through the actions: {action_seconds:.1f} s; "
        f"{len(users):,} users bulk-created (one password hash): {users_seconds:.1f} s; "
        f"world in all: {time.perf_counter() - started:.1f} s"
    )
    return world


# --- 2. History ------------------------------------------------------------------------------


def write_history(args, world, today, rng, report) -> None:
    from django.db import transaction

    from core.dates import add_months
    from nonprod import history
    from nonprod.bulk_rows import RowWriter

    report.section("2. History")
    first, last = add_months(today, -args["months"]), today - timedelta(days=3)
    written = Counter()
    done = 0
    total = args["referrals"]
    started = time.perf_counter()
    for place in world:
        area = place["area"]
        writer = RowWriter()
        numbers = history.nhs_numbers(rng, set())  # NHS numbers are unique within an area
        with transaction.atomic():
            for cast_of in place["casts"]:
                cast = history.Cast(
                    area_id=area.pk,
                    service_id=cast_of["service"].pk,
                    lead_id=cast_of["lead"].pk,
                    practices=place["practices"],
                    workers=[w.pk for w in cast_of["workers"]],
                    activities=place["activities"],
                    needs=place["needs"],
                    reasons=place["reasons"],
                    postcodes=place["postcodes"],
                    open_workers=[w.pk for w in cast_of["workers"]],
                )

                def progress(n, before=done):
                    if n % 50_000 == 0:
                        elapsed = time.perf_counter() - started
                        _log(
                            f"history: {before + n:,}/{total:,} referrals "
                            f"({(before + n) / elapsed:,.0f}/s)"
                        )

                history.write(
                    cast,
                    count=cast_of["count"],
                    first=first,
                    last=last,
                    today=today,
                    rng=rng,
                    writer=writer,
                    numbers=numbers,
                    progress=progress,
                )
                done += cast_of["count"]
        written.update(writer.written)
        elapsed = time.perf_counter() - started
        _log(f"history: {area.name} done, {done:,}/{total:,} referrals ({done / elapsed:,.0f}/s)")
    elapsed = time.perf_counter() - started
    rows = sum(written.values())
    report.add(
        f"{done:,} referrals received {first} to {last}: {elapsed:.0f} s "
        f"({done / elapsed:,.0f} referrals/s, {rows / elapsed:,.0f} rows/s, {rows:,} rows)"
    )
    for label, n in sorted(written.items(), key=lambda item: -item[1]):
        report.add(f"  {label:<32}{n:>14,}  ({n / done:.2f} per referral)")
    events = written["referrals.ReferralEvent"] / done if done else 0
    report.add(
        f"mean ReferralEvent rows per referral: {events:.2f}"
        + ("  ** below 8: fewer than the issue's ~10 **" if events < 8 else "")
    )


def _nothing_in_the_future(report) -> None:
    """Histories generated before nonprod.history stopped dating triage up to two days
    ahead: bring those moments back to now, or every refresh would see them as new."""
    from django.utils import timezone

    from referrals.models import Referral, ReferralEvent

    now = timezone.now()
    events = ReferralEvent.objects.filter(created_at__gt=now).update(created_at=now, at=now)
    for field in ("allocated_at", "status_changed_at"):
        Referral.objects.filter(**{f"{field}__gt": now}).update(**{field: now})
    if events:
        report.add(f"{events:,} timeline events dated after now moved to now (older history)")


def _counts_in_database(report) -> None:
    from referrals.models import Referral, ReferralEvent
    from reporting.models import ReferralFact

    referrals = Referral.objects.count()
    events = ReferralEvent.objects.count()
    report.add(
        f"{referrals:,} referrals, {events:,} timeline events ({events / max(referrals, 1):.2f} "
        f"per referral), {ReferralFact.objects.count():,} referral facts"
    )


# --- 3. Facts --------------------------------------------------------------------------------


def rebuild_facts(report) -> None:
    from reporting import refresh
    from reporting.models import AreaMonthCell, FactTag, OnwardFact, OutcomeFact

    report.section("3. Facts")
    started = time.perf_counter()
    last = [started]

    def progress(done, total):
        now = time.perf_counter()
        if now - last[0] > 30 or done == total:
            last[0] = now
            _log(f"facts: {done:,}/{total:,} referrals ({done / (now - started):,.0f}/s)")

    result = refresh.rebuild_all(progress=progress)
    elapsed = time.perf_counter() - started
    report.add(
        f"rebuild_all: {elapsed:.0f} s for {result['referrals']:,} referrals "
        f"({result['referrals'] / elapsed:,.0f} referrals/s); {result['cells']:,} roll-up cells; "
        f"{result['link_workers']:,} caseload rows"
    )
    report.add(
        f"  rows: {FactTag.objects.count():,} tags, {OutcomeFact.objects.count():,} outcome facts,"
        f" {OnwardFact.objects.count():,} activity-referral facts, "
        f"{AreaMonthCell.objects.count():,} roll-up cells"
    )


def incremental_refresh(rng, report) -> None:
    from django.utils import timezone

    from referrals.models import Person, Referral, ReferralEvent
    from reporting import refresh

    report.section("3b. Incremental refresh (the 15-minute sweep)")
    started = time.perf_counter()
    result = refresh.refresh()
    report.add(
        f"nothing changed: {(time.perf_counter() - started) * 1000:,.0f} ms "
        f"({result['referrals']} referrals, {result['cells']} cells, "
        f"{result['link_workers']:,} caseload rows)"
    )
    # 1,000 people tell their link worker about themselves (sex recorded): a real change to
    # the figures of every referral of theirs, in every area and month they fall in.
    touched = list(Referral.objects.order_by("?").values_list("pk", "person_id")[:1000].iterator())
    sexes = ["female", "male", "other", "not_stated"]
    people = [
        Person(pk=person_id, sex=sexes[i % len(sexes)]) for i, (_, person_id) in enumerate(touched)
    ]
    Person.objects.bulk_update(people, ["sex"], batch_size=500)
    now = timezone.now()
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral_id=pk, at=now, kind=ReferralEvent.Kind.ABOUT, summary="Benchmark change"
        )
        for pk, _ in touched
    )
    started = time.perf_counter()
    result = refresh.refresh()
    report.add(
        f"1,000 random people's sex recorded: {(time.perf_counter() - started) * 1000:,.0f} ms "
        f"({result['referrals']:,} referrals rebuilt, {result['cells']:,} roll-up cells "
        f"rewritten, {result['link_workers']:,} caseload rows)"
    )


# --- 4. Dashboards ---------------------------------------------------------------------------


def _viewers() -> dict:
    from django.db.models import Count, Max, Min

    from accounts.models import User
    from core.permissions import Role
    from organisations.models import Area, Organisation
    from reporting.models import ReferralFact

    def largest(field, **filters):
        row = (
            ReferralFact.objects.filter(**filters)
            .values(field)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        return row[field], row["n"]

    area_id, area_n = largest("area_id")
    service_id, service_n = largest("service_id")
    practice_id, practice_n = largest("practice_id", area_id=area_id)
    area = Area.objects.get(pk=area_id)
    service = Organisation.objects.get(pk=service_id)
    practice = Organisation.objects.get(pk=practice_id)
    span = ReferralFact.objects.aggregate(first=Min("month"), last=Max("month"))
    facts = ReferralFact.objects.count()
    return {
        "national": User.objects.get(role=Role.NATIONAL),
        "commissioner": User.objects.get(role=Role.COMMISSIONER, organisation__area=area),
        "lead": User.objects.filter(role=Role.TEAM_LEAD, organisation=service).first(),
        "area": area,
        "service": service,
        "practice": practice,
        "span": (span["first"], span["last"]),
        "describe": [
            f"every area: {facts:,} referral facts, {span['first']:%Y-%m} to {span['last']:%Y-%m}",
            f"largest area: {area.name} ({area_n:,} referrals in all)",
            f"largest service: {service.name} ({service_n:,})",
            f"busiest practice in that area: {practice.name} ({practice_n:,})",
        ],
    }


def _timed_get(client, url, repeat):
    """One warm-up request (its queries counted and timed), then `repeat` timed ones."""
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - start)

    with connection.execute_wrapper(count):
        response = client.get(url)
        size = _size(response)
    status = response.status_code
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        _size(response)
        times.append((time.perf_counter() - start) * 1000)
        status = max(status, response.status_code)
    return {
        "median": statistics.median(times),
        "max": max(times),
        "queries": len(queries),
        "sql_ms": sum(queries) * 1000,
        "kb": size / 1024,
        "status": status,
    }


def _size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _cases(viewers) -> list[tuple[str, str, str]]:
    first, last = viewers["span"]
    span = urllib.parse.urlencode({"start": f"{first:%Y-%m}", "end": f"{last:%Y-%m}"})
    area = urllib.parse.urlencode({"area": viewers["area"].pk})
    practice = urllib.parse.urlencode({"practice": viewers["practice"].pk})
    return [
        ("a", "national, England, last 12 months", "national", ""),
        ("a+", "national, England, whole span", "national", span),
        ("b", "national, ?area=largest", "national", area),
        ("c", "commissioner of largest area", "commissioner", ""),
        ("c+", "commissioner, whole span", "commissioner", span),
        ("d", "team lead of largest service", "lead", ""),
        ("e", "commissioner, ?practice=", "commissioner", practice),
    ]


def _header(first: str) -> str:
    return f"{first:<44}{'median':>9}{'max':>9}{'queries':>8}{'SQL ms':>9}{'KB':>7}{'HTTP':>5}  "


def _line(label: str, t: dict) -> str:
    flag = "  ** over 2 s **" if t["median"] > SLOW_MS or t["max"] > SLOW_MS else ""
    return (
        f"{label:<44}{t['median']:>9,.0f}{t['max']:>9,.0f}{t['queries']:>8}{t['sql_ms']:>9,.0f}"
        f"{t['kb']:>7,.0f}{t['status']:>5}{flag}"
    )


def _clients(viewers) -> dict:
    from django.test import Client

    clients = {}
    for who in ("national", "commissioner", "lead"):
        # An error page is a result to report, not a reason to stop.
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(viewers[who])
    return clients


def dashboards(args, viewers, report) -> dict:
    report.section(
        "4. Dashboards (ms: median and max of the timed requests; queries and SQL ms of the "
        "warm-up request)"
    )
    clients = _clients(viewers)
    times = {}
    report.add(_header("case / dashboard"))
    for case, description, who, query in _cases(viewers):
        report.add(f"({case}) {description}")
        for name, path in DASHBOARDS:
            if name == "england" and who != "national":
                continue
            url = f"{path}?{query}" if query else path
            t = _timed_get(clients[who], url, args["repeat"])
            times[(case, name)] = t
            report.add(_line(f"    {name}", t))
    slow = [(k, t) for k, t in times.items() if t["median"] > SLOW_MS]
    report.add(
        f"over {SLOW_MS:,} ms (median): "
        + (", ".join(f"({c}) {n} {t['median']:,.0f}" for (c, n), t in slow) if slow else "none")
    )
    return times


# --- 5. Exports ------------------------------------------------------------------------------


def downloads(args, viewers, report) -> None:
    report.section("5. CSV downloads (?download=<table>)")
    clients = _clients(viewers)
    report.add(_header("case / dashboard: table"))
    for case, description, who, query in _cases(viewers):
        if case not in ("a", "c"):
            continue
        report.add(f"({case}) {description}")
        for name, path in DASHBOARDS:
            if name == "england" and who != "national":
                continue
            params = f"{query}&" if query else ""
            url = f"{path}?{params}download={DOWNLOADS[name]}"
            t = _timed_get(clients[who], url, args["repeat"])
            report.add(_line(f"    {name}: {DOWNLOADS[name]}", t))


def extracts(viewers, report) -> None:
    from reporting.extract import csv_lines
    from reporting.models import ExtractRecipient, ReferralFact

    report.section("5b. Pseudonymised extract (reporting.extract.csv_lines, streamed)")
    recipient = ExtractRecipient.objects.create(
        service=viewers["service"],
        name="Benchmark evaluator",
        purpose="Benchmark",
        agreement_reference="BENCH-1",
        key=secrets.token_hex(32),
        created_by=viewers["lead"],
    )
    report.add(
        f"{'facts':<34}{'rows':>11}{'MB out':>9}{'seconds':>9}{'rows/s':>9}"
        f"{'traced s':>10}{'peak MB':>9}"
    )
    for label, facts in (
        ("largest service", ReferralFact.objects.filter(service=viewers["service"])),
        ("every referral", ReferralFact.objects.all()),
    ):
        start = time.perf_counter()
        rows, size = _consume(csv_lines(recipient, facts))
        seconds = time.perf_counter() - start
        tracemalloc.start()
        start = time.perf_counter()
        _consume(csv_lines(recipient, facts))
        traced = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        report.add(
            f"{label:<34}{rows:>11,}{size / 1e6:>9,.0f}{seconds:>9,.1f}{rows / seconds:>9,.0f}"
            f"{traced:>10,.1f}{peak / 1e6:>9,.1f}"
        )
    report.add(
        "rows: people who agreed to research only; seconds and rows/s untraced; peak: "
        "tracemalloc's peak of a second, traced pass"
    )
    _extract_view(viewers, recipient, report)


def _extract_view(viewers, recipient, report) -> None:
    """The download view, where there is one: the team lead's whole service, every month."""
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("reporting:extract_download", args=[recipient.pk])
    except NoReverseMatch:
        report.add("no extract download view to time")
        return
    first, last = viewers["span"]
    url = f"{path}?start={first:%Y-%m}&end={last:%Y-%m}"
    client = _clients(viewers)["lead"]
    start = time.perf_counter()
    response = client.get(url)
    rows = size = 0
    if response.streaming:
        for chunk in response.streaming_content:
            rows += chunk.count(b"\n")
            size += len(chunk)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - start
    report.add(
        f"HTTP GET {path.split('/extracts/')[0]}/extracts/<id>/download/ (team lead, whole span): "
        f"HTTP {response.status_code}, streamed={response.streaming}, {max(rows - 1, 0):,} rows, "
        f"{size / 1e6:,.1f} MB in {seconds:,.1f} s ({max(rows - 1, 0) / seconds:,.0f} rows/s)"
    )


def _consume(lines) -> tuple[int, int]:
    rows = size = 0
    for chunk in lines:
        rows += chunk.count("\n")
        size += len(chunk)
    return rows - 1, size  # less the header


# --- 6. DuckDB -------------------------------------------------------------------------------

ACCEPTED = "f.status IN ('accepted', 'allocated', 'active', 'discharged')"
BOTH_GP = "f.gp_before IS NOT NULL AND f.gp_after IS NOT NULL"
BOTH_AE = "f.ae_before IS NOT NULL AND f.ae_after IS NOT NULL"
BOTH = f"{BOTH_GP} AND {BOTH_AE}"
GP_CHANGE = "(f.gp_after - f.gp_before)"
AE_CHANGE = "(f.ae_after - f.ae_before)"
# reporting.figures.COUNTS and OUTCOME_SUMS, in SQL.
DUCK_COUNTS = {
    "referrals": "count(*)",
    "accepted": f"count(*) FILTER (WHERE {ACCEPTED})",
    "declined": "count(*) FILTER (WHERE f.status = 'declined')",
    "redirected": "count(*) FILTER (WHERE f.status = 'redirected')",
    "awaiting": "count(*) FILTER (WHERE f.status = 'received')",
    "discharged": "count(*) FILTER (WHERE f.status = 'discharged')",
    "contacted": "count(*) FILTER (WHERE f.first_contact_days IS NOT NULL)",
    "with_activity": "count(*) FILTER (WHERE f.first_activity_days IS NOT NULL)",
    "contacts_total": "sum(f.contacts)",
    "attempts_total": "sum(f.contact_attempts)",
    "onward_sent_total": "sum(f.onward_sent)",
    "onward_accepted_total": "sum(f.onward_accepted)",
    "onward_attended_total": "sum(f.onward_attended)",
    "people_referred_on": "count(*) FILTER (WHERE f.onward_sent > 0)",
    "people_attending": "count(*) FILTER (WHERE f.onward_attended > 0)",
    "signposts_total": "sum(f.signposts)",
    "gp_n": f"count(*) FILTER (WHERE {BOTH_GP})",
    "gp_before_total": f"sum(f.gp_before) FILTER (WHERE {BOTH_GP})",
    "gp_after_total": f"sum(f.gp_after) FILTER (WHERE {BOTH_GP})",
    "gp_change_sq": f"sum({GP_CHANGE} * {GP_CHANGE}) FILTER (WHERE {BOTH_GP})",
    "ae_n": f"count(*) FILTER (WHERE {BOTH_AE})",
    "ae_before_total": f"sum(f.ae_before) FILTER (WHERE {BOTH_AE})",
    "ae_after_total": f"sum(f.ae_after) FILTER (WHERE {BOTH_AE})",
    "ae_change_sq": f"sum({AE_CHANGE} * {AE_CHANGE}) FILTER (WHERE {BOTH_AE})",
    "both_n": f"count(*) FILTER (WHERE {BOTH})",
    "both_gp_before": f"sum(f.gp_before) FILTER (WHERE {BOTH})",
    "both_gp_after": f"sum(f.gp_after) FILTER (WHERE {BOTH})",
    "both_ae_before": f"sum(f.ae_before) FILTER (WHERE {BOTH})",
    "both_ae_after": f"sum(f.ae_after) FILTER (WHERE {BOTH})",
    "both_gp_sq": f"sum({GP_CHANGE} * {GP_CHANGE}) FILTER (WHERE {BOTH})",
    "both_ae_sq": f"sum({AE_CHANGE} * {AE_CHANGE}) FILTER (WHERE {BOTH})",
    "both_cross": f"sum({GP_CHANGE} * {AE_CHANGE}) FILTER (WHERE {BOTH})",
    "use_recorded": "count(*) FILTER (WHERE f.gp_before IS NOT NULL OR f.gp_after IS NOT NULL)",
}
PAIRED = "o.follow_up IS NOT NULL"
CHANGE = "(o.follow_up - o.baseline)"
DUCK_OUTCOMES = {
    "baseline_n": "count(*)",
    "due_n": "count(*) FILTER (WHERE o.follow_up_due = 1)",
    "paired_n": f"count(*) FILTER (WHERE {PAIRED})",
    "sum_before": f"sum(o.baseline) FILTER (WHERE {PAIRED})",
    "sum_after": f"sum(o.follow_up) FILTER (WHERE {PAIRED})",
    "sum_change": f"sum({CHANGE}) FILTER (WHERE {PAIRED})",
    "sum_change_sq": f"sum({CHANGE} * {CHANGE}) FILTER (WHERE {PAIRED})",
    "improved_n": "count(*) FILTER (WHERE o.improved = 1)",
    "worsened_n": "count(*) FILTER (WHERE o.worsened = 1)",
    "meaningful_improvement_n": "count(*) FILTER (WHERE o.meaningful_improvement = 1)",
    "meaningful_deterioration_n": "count(*) FILTER (WHERE o.meaningful_deterioration = 1)",
}
DUCK_GROUP = {
    "all": None,
    "month": "f.month",
    "area": "f.area_id",
    "source": "f.source",
    "need": "t.code",
    "age_band": "f.age_band",
    "sex": "f.sex",
    "ethnic_group": "f.ethnic_group",
    "imd_decile": "f.imd_decile",
    "discharge_reason": "f.discharge_reason",
}


def _duck_queries(first: date, last: date) -> list[str]:
    """For each breakdown, the four queries `reporting.figures.from_facts` sends: the counts,
    the two waiting-time histograms and the outcome sums per measure."""
    window = f"f.month BETWEEN DATE '{first}' AND DATE '{last}'"
    queries = []
    for dimension in COMPARED:
        group = DUCK_GROUP[dimension]
        join = (
            " JOIN tags t ON t.fact_id = f.referral_id AND t.kind = 'need'"
            if dimension == "need"
            else ""
        )
        keys = [group] if group else []
        by = f" GROUP BY {', '.join(keys)}" if keys else ""
        counts = ", ".join(f"{sql} AS {name}" for name, sql in DUCK_COUNTS.items())
        queries.append(f"SELECT {', '.join([*keys, counts])} FROM facts f{join} WHERE {window}{by}")
        for days in ("first_contact_days", "first_activity_days"):
            queries.append(
                f"SELECT {', '.join([*keys, f'f.{days}', 'count(*)'])} FROM facts f{join} "
                f"WHERE {window} AND f.{days} IS NOT NULL "
                f"GROUP BY {', '.join([*keys, f'f.{days}'])}"
            )
        sums = ", ".join(f"{sql} AS {name}" for name, sql in DUCK_OUTCOMES.items())
        queries.append(
            f"SELECT {', '.join(['o.measure', *keys, sums])} FROM outcomes o "
            f"JOIN facts f ON f.referral_id = o.fact_id{join} WHERE {window} "
            f"GROUP BY {', '.join(['o.measure', *keys])}"
        )
    return queries


def _dump(model, path: Path) -> int:
    """A fact table to CSV through a plain cursor, a chunk of rows at a time (booleans as
    0/1 so both databases write the same)."""
    from django.db import connection, models, transaction

    from core import csv_safe

    fields = model._meta.concrete_fields
    columns = [
        f"CASE WHEN {f.column} THEN 1 ELSE 0 END"
        if isinstance(f, models.BooleanField)
        else f.column
        for f in fields
    ]
    rows = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor, path.open("w") as out:
        # For DuckDB, not a person: quoted only where needed, so it sniffs the types as before.
        writer = csv_safe.writer(out, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([f.column for f in fields])
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table}")
        while batch := cursor.fetchmany(10_000):
            writer.writerows(batch)
            rows += len(batch)
    return rows


def duckdb_comparison(args, viewers, board_times, report) -> None:
    import duckdb

    from reporting.figures import from_facts, from_rollup
    from reporting.models import FactTag, OutcomeFact, ReferralFact
    from reporting.scope import default_range

    report.section("6. The same aggregations in DuckDB (in-process, same data, no roll-up)")
    files = {
        "facts": (ReferralFact, Path("/tmp/linkwork-bench-referralfact.csv")),
        "tags": (FactTag, Path("/tmp/linkwork-bench-facttag.csv")),
        "outcomes": (OutcomeFact, Path("/tmp/linkwork-bench-outcomefact.csv")),
    }
    start = time.perf_counter()
    dumped = {name: _dump(model, path) for name, (model, path) in files.items()}
    dump_s = time.perf_counter() - start
    duck = duckdb.connect()
    start = time.perf_counter()
    for name, (_, path) in files.items():
        duck.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = true)")
    load_s = time.perf_counter() - start
    report.add(
        f"dumped {dumped['facts']:,} facts, {dumped['tags']:,} tags, {dumped['outcomes']:,} "
        f"outcome facts to CSV: {dump_s:.1f} s; loaded into DuckDB {duckdb.__version__} "
        f"({duck.execute('SELECT current_setting(' + repr('threads') + ')').fetchone()[0]} "
        f"threads): {load_s:.1f} s"
    )
    first, last = default_range()
    queries = _duck_queries(first, last)

    def duck_round():
        return [duck.execute(sql).fetchall() for sql in queries]

    def ours_round():
        window = ReferralFact.objects.filter(month__gte=first, month__lte=last)
        return {d: from_facts(window, d) for d in COMPARED}

    duck_results = duck_round()  # warm-up
    duck_ms = _median_ms(duck_round, args["repeat"])
    ours = ours_round()  # warm-up
    ours_ms = _median_ms(ours_round, min(args["repeat"], 2))
    per_dimension = {}
    window = ReferralFact.objects.filter(month__gte=first, month__lte=last)
    for d in COMPARED:
        start = time.perf_counter()
        from_facts(window, d)
        per_dimension[d] = (time.perf_counter() - start) * 1000
    boards = ("service", "outcomes", "value", "equity")
    england_ms = sum(board_times[("a", b)]["median"] for b in boards)
    england_ok = all(board_times[("a", b)]["status"] == 200 for b in boards)
    builders_ms = _england_builders_ms(first, last, args["repeat"])
    report.add(
        f"window {first:%Y-%m} to {last:%Y-%m} (the dashboards' default), every area; "
        f"{len(COMPARED)} breakdowns × 4 queries ({', '.join(COMPARED)})"
    )
    report.add(f"{'':<58}{'ms':>10}{'× DuckDB':>10}")
    report.add(f"{'DuckDB, all 40 queries (median of rounds)':<58}{duck_ms:>10,.0f}{1:>10.1f}")
    report.add(
        f"{'ours: reporting.figures.from_facts, same 40 (median)':<58}{ours_ms:>10,.0f}"
        f"{ours_ms / duck_ms:>10.1f}"
    )
    if england_ok:
        report.add(
            f"{'ours: England service+outcomes+value+equity, HTTP (a)':<58}{england_ms:>10,.0f}"
            f"{england_ms / duck_ms:>10.1f}"
        )
    else:
        report.add(f"{'ours: England dashboards over HTTP (a)':<58}{'not measured: an error':>20}")
    report.add(
        f"{'ours: the same four builders in-process (no HTTP, no HTML)':<58}"
        f"{builders_ms:>10,.0f}{builders_ms / duck_ms:>10.1f}"
    )
    report.add(
        "  from_facts by breakdown, ms: "
        + ", ".join(f"{d} {ms:,.0f}" for d, ms in per_dimension.items())
    )
    # One number checked three ways: referrals and accepted in the window.
    duck_all = dict(zip(DUCK_COUNTS, duck_results[0][0], strict=True))
    ours_all = ours["all"][""].counts
    rollup = from_rollup(areas=None, first=first, last=last, dimension="all")[""].counts
    agree = (
        duck_all["referrals"] == ours_all["referrals"] == rollup["referrals"]
        and duck_all["accepted"] == ours_all["accepted"] == rollup["accepted"]
    )
    report.add(
        f"check, referrals / accepted in the window: DuckDB {duck_all['referrals']:,} / "
        f"{duck_all['accepted']:,}; from_facts {ours_all['referrals']:,} / "
        f"{ours_all['accepted']:,}; roll-up {rollup['referrals']:,} / {rollup['accepted']:,}"
        + ("  (agree)" if agree else "  ** DISAGREE **")
    )
    for _, path in files.values():
        path.unlink(missing_ok=True)


def _england_builders_ms(first: date, last: date, rounds: int) -> float:
    """The England service, outcomes, value and equity dashboards built straight from a
    national scope (the roll-up), as the view would build them."""
    from reporting import labels
    from reporting.dashboards import equity, outcomes, service, value
    from reporting.scope import NATIONAL, Scope

    def run():
        scope = Scope(
            level=NATIONAL,
            areas=None,
            service=None,
            pcn=None,
            practice=None,
            first=first,
            last=last,
            safe=True,
        )
        service.build(scope)
        outcomes.build(scope, labels.HEADLINE_MEASURE)
        value.build(scope)
        equity.build(scope)

    run()  # warm-up
    return _median_ms(run, rounds)


def _median_ms(run, rounds: int) -> float:
    times = []
    for _ in range(max(rounds, 1)):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        main()
