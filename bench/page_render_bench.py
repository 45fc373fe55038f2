"""Page rendering benchmark: how much of a page's time is HTML (the Jinja templates and the
NHS.UK macros) and how much is data (the view, its SQL, the middleware).

Builds a database with one area's case history (nonprod/history.py, as reporting_bench.py
does) and a directory of activities around its postcode districts, then requests each page
in process with the Django test client (warm-up first) and prints, per request (median):
total ms, ms in SQL, ms rendering the template (SQL run from inside the template, by lazy
querysets, counted as SQL, not as rendering), the rest, and the ratio HTML / data, where
data = total - rendering. Prints its figures; asserts nothing. See bench/README.md.
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

SQLITE_PATTERN = "/tmp/linkwork-page-render-bench-{size}.sqlite3"
SEED = 2026
TARGET = 2.0  # the goal: HTML cost within 2x the data cost


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=4000, help="the area's case history")
    parser.add_argument("--link-workers", type=int, default=12)
    parser.add_argument("--practices", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--waiting", type=int, default=45, help="referrals awaiting triage")
    parser.add_argument("--accepted", type=int, default=30, help="awaiting allocation")
    parser.add_argument("--services", type=int, default=3000, help="activities in the directory")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        default="",
        help=f"PostgreSQL URL (a database with the size appended is made); default SQLite in "
        f"{SQLITE_PATTERN}",
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database generated earlier")
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="also measure each page with the NHS.UK component cache off (before/after)",
    )
    parser.add_argument(
        "--profile", default="", help="a page's label (e.g. triage): cProfile its rendering"
    )
    args = parser.parse_args()
    url = fresh_database(
        args.database_url, args.referrals, sqlite_path=SQLITE_PATTERN, reuse=args.reuse
    )
    env = production_env(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(vars(args))], cwd=ROOT, env=env
    )
    sys.exit(result.returncode)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child(args: dict):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    from django.db import connection

    from referrals.models import Referral

    logging.disable(logging.INFO)  # one JSON line per request would drown the figures

    rng = random.Random(SEED)
    if not (args["reuse"] and Referral.objects.exists()):
        _generate(args, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    pages = _pages()
    print(
        f"linkwork page rendering benchmark, {connection.vendor}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; "
        f"median of {args['repeat']} warm requests, ms"
    )
    for line in pages["describe"]:
        print(line)
    print(
        f"{'page':<36}{'total':>8}{'SQL':>8}{'render':>8}{'other':>8}{'queries':>8}"
        f"{'KB':>6}{'HTML/data':>11}"
    )
    from django.template import engines

    cache = engines["jinja2"].env.component_cache
    size = cache.size
    for label, client, path in pages["cases"]:
        variants = [("", size)]
        if args["uncached"]:
            # The same page with every NHS.UK component rendered afresh, as without the
            # component cache (config/jinja2.py; its cheaper `indent` filter stays on):
            # before/after under the same load.
            variants.insert(0, (" [no cache]", 0))
        for suffix, cache.size in variants:
            cache.clear()
            t = measure(client, path, args["repeat"], profile=args["profile"] == label)
            data = t["total"] - t["render"]
            ratio = t["render"] / data if data else 0
            flag = "" if ratio <= TARGET else f"  ** over {TARGET:g}x **"
            print(
                f"{label + suffix:<36}{t['total']:>8.1f}{t['sql']:>8.1f}{t['render']:>8.1f}"
                f"{data - t['sql']:>8.1f}{t['queries']:>8}{t['kb']:>6.0f}{ratio:>11.2f}{flag}",
                flush=True,
            )


# --- Timing ----------------------------------------------------------------------------------


class _Clock:
    """Time spent in SQL, and in rendering Jinja templates net of the SQL run while rendering
    (a lazy queryset evaluated by the template is data, not HTML)."""

    def __init__(self):
        self.sql = self.render = self.sql_in_render = 0.0
        self.queries = 0
        self.depth = 0

    def execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            self.sql += spent
            self.queries += 1
            if self.depth:
                self.sql_in_render += spent


def _instrument(timer: "_Clock | None"):
    """Wrap the Jinja2 backend's Template.render once; `_CURRENT` says which clock to charge."""
    from django.template.backends.jinja2 import Template

    if not hasattr(Template, "_bench_render"):
        Template._bench_render = Template.render

        def render(self, context=None, request=None):
            timer = _CURRENT[0]
            if timer is None:
                return self._bench_render(context, request)
            timer.depth += 1
            start = time.perf_counter()
            try:
                return self._bench_render(context, request)
            finally:
                timer.depth -= 1
                if not timer.depth:
                    timer.render += time.perf_counter() - start

        Template.render = render
    _CURRENT[0] = timer


_CURRENT = [None]


def _once(client, path, timer):
    from django.db import connection

    _instrument(timer)
    try:
        with connection.execute_wrapper(timer.execute):
            start = time.perf_counter()
            response = client.get(path)
            size = len(response.content)
            total = time.perf_counter() - start
    finally:
        _instrument(None)
    if response.status_code != 200:
        sys.exit(f"{path}: HTTP {response.status_code}")
    return total, size


def measure(client, path, repeat, profile=False) -> dict:
    for _ in range(3):  # warm-up: templates compiled, caches filled, connection open
        _once(client, path, _Clock())
    totals, sqls, renders, queries = [], [], [], 0
    size = 0
    for _ in range(repeat):
        timer = _Clock()
        total, size = _once(client, path, timer)
        totals.append(total * 1000)
        sqls.append(timer.sql * 1000)
        renders.append((timer.render - timer.sql_in_render) * 1000)
        queries = timer.queries
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            _once(client, path, _Clock())
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    return {
        "total": statistics.median(totals),
        "sql": statistics.median(sqls),
        "render": statistics.median(renders),
        "queries": queries,
        "kb": size / 1024,
    }


# --- Who and what is measured ----------------------------------------------------------------


def _pages() -> dict:
    from django.db.models import Count, Q
    from django.test import Client

    from accounts.models import User
    from core.permissions import Role
    from directory.models import Location, Service
    from organisations.models import Organisation
    from referrals.models import Referral
    from referrals.states import Status
    from tests.second_factor import force_login

    lead = (
        User.objects.filter(role=Role.TEAM_LEAD)
        .annotate(
            waiting=Count(
                "organisation__referrals_received",
                filter=Q(organisation__referrals_received__status=Status.RECEIVED),
            )
        )
        .order_by("-waiting")
        .first()
    )
    worker = (
        User.objects.filter(role=Role.LINK_WORKER)
        .annotate(
            open=Count("caseload", filter=Q(caseload__status__in=[Status.ALLOCATED, Status.ACTIVE]))
        )
        .order_by("-open")
        .first()
    )
    case = (
        Referral.objects.filter(allocated_to=worker, status=Status.ACTIVE)
        .annotate(n_events=Count("events"))
        .order_by("-n_events")
        .first()
    )
    # The district with the most activities (the generated directory's places are districts).
    district = (
        Location.objects.exclude(city="")
        .values("city")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["city"]
    )
    # The GP pages of the load mix: a referrer of the practice that has sent the most, their
    # sent list and the one of their referrals with the most to show (events the GP sees).
    practice = Organisation.objects.annotate(sent=Count("referrals_sent")).order_by("-sent").first()
    gp = User.objects.filter(role=Role.REFERRER, organisation=practice, is_active=True).first()
    if gp is None:  # the generated world has no GPs: one for the busiest practice
        gp = User.objects.create(
            email="gp@bench.linkwork.test",
            full_name="Bench GP",
            organisation=practice,
            role=Role.REFERRER,
            job_title=Role.REFERRER.label,
        )
    gp_referral = (
        Referral.objects.filter(referring_organisation=gp.organisation_id)
        .annotate(n_events=Count("events"))
        .order_by("-n_events")
        .first()
    )
    need = "loneliness"
    public = Client(raise_request_exception=False)
    clients = {}
    for who, user in (("lead", lead), ("worker", worker), ("gp", gp)):
        clients[who] = Client(raise_request_exception=False)
        force_login(clients[who], user)
    search = f"/find/?postcode={district}&q=group&radius=10" + (f"&needs={need}" if need else "")
    api_search = f"/api/v1/activities/search?postcode={district}&q=group&needs={need}"
    return {
        "cases": [
            ("/find/ empty form", public, "/find/"),
            ("/find/ search, results", public, search),
            ("triage queue (team lead)", clients["lead"], "/referrals/triage/"),
            ("caseload (link worker)", clients["worker"], "/cases/"),
            ("case page (link worker)", clients["worker"], f"/cases/{case.pk}/"),
            ("GP sent list (GP)", clients["gp"], "/referrals/"),
            ("GP referral (GP)", clients["gp"], f"/referrals/{gp_referral.pk}/"),
            ("API search", public, api_search),
        ],
        "describe": [
            f"directory: {Service.objects.count():,} activities; search: {search}",
            f"team lead: {lead.full_name}, "
            f"{Referral.objects.filter(status=Status.RECEIVED).count():,} awaiting triage, "
            f"{Referral.objects.filter(status=Status.ACCEPTED).count():,} awaiting allocation",
            f"link worker: {worker.full_name}, {worker.open} open cases; case: {case.pk} "
            f"({case.n_events} events)",
            f"GP: {gp.full_name}, {practice.sent:,} referrals sent by the practice; referral: "
            f"{gp_referral.pk} ({gp_referral.n_events} events)",
        ],
    }


# --- Generation ------------------------------------------------------------------------------


def _generate(args, rng):
    """One area, as reporting_bench.py builds each (its world and history), and a directory
    of `services` activities around the area's postcode districts."""
    from bench import reporting_bench, search_bench

    started = time.perf_counter()
    world_args = {
        "areas": 1,
        "practices": args["practices"],
        "link_workers": args["link_workers"],
        "referrals": args["referrals"],
        "months": args["months"],
    }
    report = reporting_bench.Report()
    world = reporting_bench.build_world(world_args, rng, report)
    from django.utils import timezone

    reporting_bench.write_history(world_args, world, timezone.localdate(), rng, report)
    _log(f"case history: {time.perf_counter() - started:.0f} s")
    cast = world[0]["casts"][0]
    _queue(cast["service"], cast["lead"], world[0]["practices"], rng, args)
    _directory(world[0]["area"], args["services"], rng, search_bench)
    _log(f"directory: {time.perf_counter() - started:.0f} s")


def _queue(service, lead, practices, rng, args):
    """The history leaves nobody waiting: a morning's referrals awaiting triage, and some
    accepted awaiting allocation, made through the actions."""
    from datetime import date

    from nonprod import history
    from organisations.models import Organisation
    from referrals.actions import PersonDetails, accept_referral, create_referral
    from referrals.models import Need, Person

    needs = list(Need.objects.filter(active=True).exclude(code="other"))
    postcodes = list(Person.objects.values_list("postcode", flat=True)[:200])
    numbers = history.nhs_numbers(rng, set(Person.objects.values_list("nhs_number", flat=True)))
    practices = list(Organisation.objects.filter(pk__in=practices)[:20])
    for n in range(args["waiting"] + args["accepted"]):
        referral = create_referral(
            by=None,
            service=service,
            person=PersonDetails(
                nhs_number=numbers(),
                given_name=rng.choice(history.GIVEN),
                family_name=rng.choice(history.FAMILY),
                date_of_birth=date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                postcode=rng.choice(postcodes),
                phone="07700900123",
                email="",
                preferred_contact="phone",
            ),
            needs=rng.sample(needs, rng.choice([1, 2, 3])),
            context="",
            consent_to_contact=True,
            referring_organisation=rng.choice(practices),
        )
        if n >= args["waiting"]:
            accept_referral(by=lead, referral=referral, version=referral.version)


def _directory(area, size, rng, search_bench):
    from geography.models import Postcode

    districts = list(
        Postcode.objects.filter(precision=Postcode.Precision.DISTRICT)
        .order_by("code")
        .values_list("code", "latitude", "longitude")[:60]
    )
    search_bench.generate(size, districts, rng, area=area)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        main()
