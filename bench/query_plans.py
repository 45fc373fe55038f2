"""Query plans of the hot staff pages at 1.5 million referrals (PostgreSQL).

Fills a database quickly (after `migrate`, one INSERT … SELECT generate_series per table:
people, referrals, activity referrals and sessions, on a small world made through the
actions), runs VACUUM ANALYZE, then requests each page with the Django test client as its
user would and prints, for every query the page ran on a table that grows (referrals, people,
activity referrals, sessions), the plan's node types, the indexes used, the rows and the
execution time from EXPLAIN (ANALYZE, BUFFERS). The SQL is what the real views ran (captured
with `connection.execute_wrapper`), never a copy. Prints figures; asserts nothing.

    .venv/bin/python bench/query_plans.py --database-url postgres://postgres@127.0.0.1:5432/lw_plans
    .venv/bin/python bench/query_plans.py --reuse ...   # measure again (after new migrations)
    .venv/bin/python bench/query_plans.py --referrals 100000 ...   # a quick run

Before and after a change: run it from a copy of the earlier tree (`git archive`), then with
--reuse from this one (its migrations are applied to the same rows). See bench/README.md.
"""

import argparse
import json
import logging
import os
import re
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_database  # noqa: E402 - after the path is set

SERVICES = 10  # link-worker services; the first is measured (a tenth of the referrals)
WORKERS_PER_SERVICE = 12
HELD_PER_WORKER = 40  # open cases a link worker holds
AWAITING_TRIAGE_PER_SERVICE = 200
AWAITING_ALLOCATION_PER_SERVICE = 50
PROVIDERS = 3  # a third of referrals go to an activity, shared among these; the first measured
SESSIONS = 50_000  # other people's session rows
MONTHS = 24
GROWING = ("referrals_referral", "referrals_person", "onward_onwardreferral", "django_session")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_500_000)
    parser.add_argument(
        "--database-url",
        required=True,
        help="PostgreSQL URL; its database name is a prefix (the size is added)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run of this size"
    )
    parser.add_argument("--sql", action="store_true", help="print each query's SQL too")
    args = parser.parse_args()
    url = fresh_database(args.database_url, args.referrals, sqlite_path="", reuse=args.reuse)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LINKWORK_NONPROD="0",
        DJANGO_HTTPS="0",
    )
    import django

    django.setup()
    logging.getLogger("linkwork").setLevel(logging.WARNING)  # not a line per request
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    print(
        f"linkwork query plans, PostgreSQL {version}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, code in {ROOT}",
        flush=True,
    )
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _log(f"migrate: {time.perf_counter() - started:.0f} s")
    from referrals.models import Referral

    if not (args.reuse and Referral.objects.exists()):
        generate(args.referrals)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _log(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")
    describe()
    measure(show_sql=args.sql)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Generation -------------------------------------------------------------------------------


def generate(total: int) -> None:
    """A small world through the actions, then the rows that grow, in SQL."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from core.permissions import Role
    from organisations.actions import create_area, create_organisation
    from referrals.models import DischargeReason
    from tests import factories

    started = time.perf_counter()
    password = make_password("bench-only-nobody-signs-in")
    with transaction.atomic():
        area = create_area(by=None, name="Bench area", code="E54999999")
        services = [
            create_organisation(
                by=None, area=area, kind="link_worker_service", name=f"Bench service {s + 1}"
            )
            for s in range(SERVICES)
        ]
        practice = factories.practice(area, name="Bench practice")
        providers = [
            create_organisation(by=None, area=area, kind="provider", name=f"Bench provider {p + 1}")
            for p in range(PROVIDERS)
        ]
        users = []
        for s, service in enumerate(services):
            users.append(_user(service, Role.TEAM_LEAD, f"lead{s}", password))
            users += [
                _user(service, Role.LINK_WORKER, f"lw{s}.{w}", password)
                for w in range(WORKERS_PER_SERVICE)
            ]
        users += [
            _user(p, Role.PROVIDER, f"provider{i}", password) for i, p in enumerate(providers)
        ]
        users.append(_user(practice, Role.REFERRER, "referrer", password))
        User.objects.bulk_create(users)
    activities = [
        factories.activity(area=area, name=f"Bench activity {p + 1}", owner=provider).pk
        for p, provider in enumerate(providers)
    ]
    reason = DischargeReason.objects.order_by("position").first().pk
    # Ordered as generated: worker w of service s is workers[s * WORKERS_PER_SERVICE + w].
    workers = [
        str(User.objects.get(email=f"lw{s}.{w}@bench.linkwork.test").pk)
        for s in range(SERVICES)
        for w in range(WORKERS_PER_SERVICE)
    ]
    _log(f"world: {time.perf_counter() - started:.1f} s")
    held = SERVICES * WORKERS_PER_SERVICE * HELD_PER_WORKER
    triage = SERVICES * AWAITING_TRIAGE_PER_SERVICE
    allocation = SERVICES * AWAITING_ALLOCATION_PER_SERVICE
    values = {
        "n": total,
        "area": str(area.pk),
        "practice": str(practice.pk),
        "services": [str(s.pk) for s in services],
        "workers": workers,
        "providers": [str(p.pk) for p in providers],
        "activities": [str(a) for a in activities],
        "reason": str(reason),
        "s": SERVICES,
        "w": WORKERS_PER_SERVICE,
        "p": PROVIDERS,
        "triage": triage,
        "allocation": triage + allocation,
        "held": triage + allocation + held,
        "days": MONTHS * 30.4,
        "sessions": SESSIONS,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for table, sql in [
            ("referrals_person", PEOPLE),
            ("referrals_referral", REFERRALS),
            ("onward_onwardreferral", ONWARD),
            ("django_session", SESSION_ROWS),
        ]:
            tick = time.perf_counter()
            # Indexes that back no constraint are built once at the end, not row by row.
            indexes = _secondary_indexes(cursor, table)
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(_with_ids(sql), values)
            rows = cursor.rowcount
            inserted = time.perf_counter() - tick
            for _, definition in indexes:
                cursor.execute(definition)
            _log(
                f"{table}: {rows:,} rows in {inserted:.0f} s, then {len(indexes)} indexes in "
                f"{time.perf_counter() - tick - inserted:.0f} s"
            )
    _log(f"generation: {time.perf_counter() - started:.0f} s")


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint (primary key, unique), with their DDL."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    return cursor.fetchall()


def _user(organisation, role, name, password):
    from accounts.models import User

    return User(
        email=f"{name}@bench.linkwork.test",
        full_name=f"Bench {name}",
        organisation=organisation,
        role=role,
        password=password,
        job_title=role.label,
    )


# Ids in the order rows are made (like the application's UUIDv7s), so each insert appends
# to the primary key's index instead of landing anywhere in it.
ID = "('00000000-0000-7000-8{kind:03d}-' || lpad(to_hex({g}), 12, '0'))::uuid"


def _with_ids(sql: str) -> str:
    """The SQL with each `_id(kind, g)` written out."""
    return re.sub(r"_id\((\d), g\)", lambda m: ID.format(kind=int(m.group(1)), g="g"), sql)


# Row g (1…n) of each table; k = n - g counts back from the newest referral. The newest are
# open (awaiting triage, then allocation, then held by a worker); the rest closed.
PEOPLE = """
INSERT INTO referrals_person (
    id, created_at, area_id, nhs_number, given_name, family_name, date_of_birth, postcode,
    phone, email, preferred_contact, texts_allowed, emails_allowed, share_with_providers,
    share_with_gp, research_allowed, sex, ethnicity)
SELECT _id(1, g), now(), %(area)s, '', 'Given' || (g %% 977), 'Family' || (g %% 7919),
    date '1940-01-01' + (g %% 25000), 'NN12 6AB', '07700900982', '', 'phone', false, false,
    'contact', 'summary', false, '', ''
FROM generate_series(1, %(n)s) AS g
"""
REFERRALS = """
INSERT INTO referrals_referral (
    id, created_at, area_id, reference, person_id, service_id, source, referring_organisation_id,
    context, consent_to_contact, received_at, status, status_changed_at, version,
    allocated_to_id, allocated_at, next_action, next_action_due, referred_nhs_number,
    decline_reason, redirected_to, triage_note, discharge_reason_id, closed_at)
SELECT id, now(), %(area)s, 'B' || lpad(to_hex(g), 8, '0'), _id(1, g), service,
    'web_form', %(practice)s, '', true, received, status, coalesce(closed, received), 1,
    CASE WHEN status IN ('allocated', 'active', 'discharged') THEN worker END,
    CASE WHEN status IN ('allocated', 'active', 'discharged') THEN received END,
    '', CASE WHEN status IN ('allocated', 'active') THEN current_date + (g %% 60 - 20) END,
    '', CASE WHEN status = 'declined' THEN 'wrong_service' ELSE '' END,
    CASE WHEN status = 'redirected' THEN 'Another service' ELSE '' END, '',
    CASE WHEN status = 'discharged' THEN %(reason)s::uuid END, closed
FROM (
    SELECT g, id, service, worker, received, status,
        CASE WHEN status IN ('discharged', 'declined', 'redirected')
             THEN least(received + interval '60 days', now()) END AS closed
    FROM (
        SELECT g, _id(2, g) AS id,
            (%(services)s::uuid[])[1 + g %% %(s)s] AS service,
            (%(workers)s::uuid[])[1 + (g %% %(s)s) * %(w)s + (g / %(s)s) %% %(w)s] AS worker,
            now() - (%(n)s - g) * (%(days)s / %(n)s) * interval '1 day' - interval '1 hour'
                AS received,
            CASE WHEN %(n)s - g < %(triage)s THEN 'received'
                 WHEN %(n)s - g < %(allocation)s THEN 'accepted'
                 WHEN %(n)s - g < %(held)s THEN
                    CASE WHEN g %% 5 = 0 THEN 'allocated' ELSE 'active' END
                 WHEN g %% 20 < 16 THEN 'discharged'
                 WHEN g %% 20 < 19 THEN 'declined'
                 ELSE 'redirected' END AS status
        FROM generate_series(1, %(n)s) AS g
    ) AS base
) AS referral
"""
# Every third referral was referred on to an activity, by its worker, to one of the
# providers in turn. Those of held cases are open (sent, waiting list, taking part); the rest
# ended (completed, stopped, declined, cancelled).
ONWARD = """
INSERT INTO onward_onwardreferral (
    id, created_at, referral_id, service_id, provider_id, sent_by_id, sent_at, note_for_provider,
    share_needs, status, status_changed_at, version, respond_by, remind_on, answered_at,
    decline_reason, stop_reason, holds_place, closed_at)
SELECT _id(3, g), now(), r.id, (%(activities)s::uuid[])[1 + (g / 3) %% %(p)s],
    (%(providers)s::uuid[])[1 + (g / 3) %% %(p)s],
    (%(workers)s::uuid[])[1 + (g %% %(s)s) * %(w)s + (g / %(s)s) %% %(w)s],
    r.received_at + interval '7 days', '', false, o.status,
    r.received_at + interval '20 days', 1, (r.received_at + interval '12 days')::date,
    (r.received_at + interval '10 days')::date,
    CASE WHEN o.status NOT IN ('sent') THEN r.received_at + interval '9 days' END,
    CASE WHEN o.status = 'declined' THEN 'full' ELSE '' END,
    CASE WHEN o.status = 'stopped' THEN 'chose_to_stop' ELSE '' END, false,
    CASE WHEN o.status IN ('completed', 'stopped', 'declined', 'cancelled')
         THEN r.received_at + interval '20 days' END
FROM generate_series(3, %(n)s, 3) AS g
JOIN referrals_referral AS r ON r.id = _id(2, g)
CROSS JOIN LATERAL (SELECT CASE
    WHEN r.status IN ('allocated', 'active') THEN
        (ARRAY['sent', 'waiting_list', 'accepted', 'attended'])[1 + (g / 9) %% 4]
    ELSE (ARRAY['completed', 'completed', 'stopped', 'declined', 'cancelled'])[1 + (g / 9) %% 5]
    END AS status) AS o
WHERE r.status NOT IN ('received', 'accepted')
"""
SESSION_ROWS = """
INSERT INTO django_session (session_key, session_data, expire_date)
SELECT md5('s' || g), 'e30', now() + (g %% 1800) * interval '1 second'
FROM generate_series(1, %(sessions)s) AS g
"""


def describe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('allocated', 'active')), "
            "count(*) FILTER (WHERE closed_at IS NOT NULL) FROM referrals_referral"
        )
        referrals, held, closed = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE o.closed_at IS NOT NULL) "
            "FROM onward_onwardreferral o JOIN organisations_organisation p "
            "ON p.id = o.provider_id WHERE p.name = 'Bench provider 1'"
        )
        onward, onward_closed = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM django_session")
        sessions = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    print(
        f"rows: {referrals:,} referrals ({held:,} held by link workers, {closed:,} closed); "
        f"the measured provider: {onward:,} activity referrals ({onward_closed:,} closed); "
        f"{sessions:,} sessions; database {size / 1e9:.2f} GB",
        flush=True,
    )


# --- Measurement ------------------------------------------------------------------------------


def measure(*, show_sql: bool) -> None:
    import time_machine
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from referrals.models import Referral
    from tests.second_factor import force_login

    def signed_in(email):
        client = Client(raise_request_exception=True)
        force_login(client, User.objects.get(email=f"{email}@bench.linkwork.test"))
        return client

    lead, worker, provider = signed_in("lead0"), signed_in("lw0.0"), signed_in("provider0")
    accepted = Referral.objects.filter(
        service__name="Bench service 1", status="accepted"
    ).values_list("pk", flat=True)[0]
    pages = [
        ("team page (workers_with_caseload)", lead, reverse("casework:team")),
        ("triage queue", lead, reverse("referrals:triage")),
        ("allocate (workers_with_caseload)", lead, reverse("referrals:allocate", args=[accepted])),
        ("caseload list", worker, reverse("casework:caseload")),
        ("provider: to answer", provider, reverse("onward:provider_referrals")),
        ("provider: closed tab", provider, reverse("onward:provider_referrals") + "?show=closed"),
        (
            "provider: closed tab, page 200",
            provider,
            reverse("onward:provider_referrals") + "?show=closed&page=200",
        ),
    ]
    summary = []
    for label, client, url in pages:
        client.get(url)  # warm: caches, connection, session
        queries, ms, status = _capture(client, url)
        grown = [q for q in queries if _touches_growing(q[0])]
        plans = [_explain(sql, params) for sql, params in grown]
        total = sum(p["ms"] for p in plans)
        print(
            f"\n== {label}: GET {url} -> {status}, {len(queries)} queries, {ms:.0f} ms", flush=True
        )
        for (sql, _), plan in zip(grown, plans, strict=True):
            print(f"  {plan['ms']:8.2f} ms  {_what(sql)}")
            print(f"             {plan['nodes']}")
            print(
                f"             rows {plan['rows']:,}; buffers hit {plan['hit']:,} read "
                f"{plan['read']:,}; seq scans on: {', '.join(plan['seq']) or 'none'}"
            )
            if show_sql:
                print(f"             {sql}")
        summary.append((label, len(queries), len(grown), total, ms))

    print("\n== session writes (each request of the team lead's, as SQL on django_session)")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        url = reverse("casework:team")
        clock.shift(61)
        lead.get(url)  # a minute since the pages above: this one may write
        writes = []
        for _ in range(10):
            clock.shift(5)
            queries, _, _ = _capture(lead, url)
            writes += [q for q in queries if _session_write(q[0])]
        print(f"  10 requests 5 s apart: {len(writes)} session writes")
        clock.shift(61)
        queries, _, _ = _capture(lead, url)
        touch = [q for q in queries if _session_write(q[0])]
        print(f"  1 request 61 s after those: {len(touch)} session writes")
        for sql, params in (touch or writes)[:1]:
            plan = _explain(sql, params, rollback=True)
            print(f"  {plan['ms']:8.2f} ms  {_what(sql)}\n             {plan['nodes']}")
        reads = [q for q in queries if "django_session" in q[0] and q[0].startswith("SELECT")]
        for sql, params in reads[:1]:
            plan = _explain(sql, params)
            print(f"  {plan['ms']:8.2f} ms  {_what(sql)}\n             {plan['nodes']}")

    print("\n== summary: queries per page, SQL ms on growing tables (EXPLAIN ANALYZE), page ms")
    for label, count, grown, total, ms in summary:
        print(f"  {label:<36}{count:>4} queries ({grown} on growing tables){total:>9.2f}{ms:>7.0f}")


def _capture(client, url):
    from django.db import connection

    queries = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(record):
        response = client.get(url)
        response.content  # noqa: B018 - rendered
    return queries, (time.perf_counter() - started) * 1000, response.status_code


def _touches_growing(sql: str) -> bool:
    if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
        return False
    return any(f'"{table}"' in sql for table in GROWING if table != "django_session")


def _session_write(sql: str) -> bool:
    return '"django_session"' in sql and sql.lstrip().upper().startswith(("UPDATE", "INSERT"))


def _explain(sql, params, *, rollback=False) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the query as the view ran it (twice: the second, warm)."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for _ in range(2):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
                result = cursor.fetchone()[0]
        transaction.set_rollback(rollback)
    result = json.loads(result) if isinstance(result, str) else result
    top = result[0]
    plan = top["Plan"]
    nodes, seq = [], []

    def walk(node, depth=0):
        name = node["Node Type"]
        if node.get("Index Name"):
            name += f" using {node['Index Name']}"
        if node.get("Relation Name"):
            name += f" on {node['Relation Name']}"
            if node["Node Type"] == "Seq Scan":
                seq.append(node["Relation Name"])
        nodes.append(name)
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan)
    return {
        "ms": top["Execution Time"],
        "nodes": " > ".join(nodes),
        "rows": plan.get("Actual Rows", 0),
        "hit": plan.get("Shared Hit Blocks", 0),
        "read": plan.get("Shared Read Blocks", 0),
        "seq": sorted(set(seq)),
    }


def _what(sql: str) -> str:
    """A query in a few words: what it selects from, and how it is ordered or limited."""
    flat = re.sub(r"\s+", " ", sql)
    verb = flat.split(" ", 1)[0]
    table = re.search(r'(?:FROM|UPDATE) "(\w+)"', flat)
    counts = len(re.findall(r"COUNT\(", flat))
    order = re.search(r"ORDER BY (.{0,70}?)(?: LIMIT| OFFSET|$)", flat)
    limit = re.search(r"LIMIT (\d+)(?: OFFSET (\d+))?", flat)
    parts = [verb, table.group(1) if table else "?"]
    if counts:
        parts.append(f"{counts} COUNT")
    if order:
        parts.append(f"ORDER BY {order.group(1).replace(chr(34), '')}")
    if limit:
        parts.append(limit.group(0))
    return " ".join(parts)


if __name__ == "__main__":
    main()
