"""Load test: the production processes on PostgreSQL, driven at a county's peak ×10.

    .venv/bin/python bench/load.py                      # 2 minutes, then the checks
    .venv/bin/python bench/load.py --quick              # 20 s smoke run
    .venv/bin/python bench/load.py --fault worker       # kill -9 one worker mid-run
    .venv/bin/python bench/load.py --fault postgres     # restart PostgreSQL mid-run (root)

What runs (everything on 127.0.0.1): the counting fake GOV.UK Notify (bench/notify_counter.py),
two gunicorn web processes on two free ports (gunicorn.conf.py, production settings: DEBUG
off, HTTPS on behind a trusted TLS proxy that the bench plays by sending X-Forwarded-Proto),
two workers on the time-critical queue, one on the bulk queue and the sweep, as
docs/operations.md runs them. Each run gets a fresh database copied from a template database
that holds the demo county (`load_demo --activities 3000`: 3,000 community services, ~2,550
referrals with their history); `--rebuild` makes the template again.

The load, from product.md's county (~800k people, ~10,000 referrals a year, 30 link
workers, 3,000 services, ~100 staff signed in at the peak), ×10 (--scale):

- FHIR referrals: the county's busiest hour is ~8 referrals (0.002/s; ×10 0.02/s): in the
  mix they are driven at 1/s (--fhir-rate), so that their percentiles mean something. The
  throughput goal (>= 100/s) is measured apart, with `--kinds fhir`: a closed loop of
  --fhir-clients at once, as fast as the servers answer. (A closed loop inside the mix
  would keep the machine saturated by design, and measure the staff pages behind a flood
  no county sends.)
- Link-worker pages: 30 link workers, one page each 15 s at the peak = 2/s; ×10 = 20/s
  (a third the caseload, two thirds a case page).
- GP pages: ~70 other staff, one page a minute = 1.2/s; ×10 = 12/s (sent list, referral).
- Public searches: ~5,000 a day (public site, partner sites over the API, staff), 15% in the
  busiest hour = 0.2/s; ×10 = 2/s (half /find/, half /api/v1/activities/search).
- Questionnaire answers: 10,000 people × 4 questionnaires × ~13 answers a year, any day,
  15% of a day's in the busiest hour = 0.06/s; ×10 = 0.6/s, driven at >= 1/s so the
  percentiles mean something. Some answer the self-harm item: safety-alert emails.
- Questionnaire links sent by link workers ("Send them a link now"): 0.06/s ×10, driven at
  2/s as the stream of texts and emails whose delivery the outbox check follows.

Checks after the run: no 5xx (outside a PostgreSQL outage); every 201 is a new referral and
every new FHIR referral had one 201; once the outbox drains, every message that reached
Notify did so exactly once (the fake counts by Notify reference). `--fault worker`: one
time-critical worker is killed with SIGKILL mid-run; the tasks it held are found, the
safety net that re-queues lost messages is run (by default with those messages' clocks set
back by its 10-minute wait: --wait-for-safety-net waits for the real sweep instead), and
nothing may be lost or sent twice. `--fault postgres`: `pg_ctlcluster 15 main restart`
mid-run: failures only while it was down, and everything answered with success is in the
database. Every child process is in its own process group and is killed on exit.
"""

import argparse
import contextlib
import copy
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
HOST = "127.0.0.1"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/linkwork_load"
REQUEST_TIMEOUT = 30.0
# The demo's Notify key (notifications/fakes.py): the fake checks the JWT signed with it.
NOTIFY_KEY = (
    "linkwork_demo-5f1c0e7a-2b0b-4c34-9d1e-6a5a0c6f1e01-c0ffee00-1d2e-4f3a-8b9c-0d1e2f3a4b5c"
)
QUESTIONNAIRE = ["ons4", "phq9"]  # 4 + 9 questions; phq9's self_harm raises a safety alert
SEARCH_WORDS = [
    "lonely",
    "walking group",
    "money worries",
    "choir",
    "men's shed",
    "gardening",
    "new mum",
    "art",
    "coffee morning",
    "debt advice",
    "yoga",
    "bereavement",
]
KINDS = "fhir,lw,gp,search,questionnaire,links"
AREA_NAME = "Northamptonshire"  # the demo county (nonprod/demo.py)
NEEDS = ["loneliness", "anxiety", "low-mood", "physical-activity", "money-debt", "bereavement"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Processes ------------------------------------------------------------------------------


class Processes:
    """Children in their own process groups; all killed (TERM, then KILL) on stop()."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.children: dict[str, subprocess.Popen] = {}
        self.expected_exit: set[str] = set()
        self.lock = threading.Lock()

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        out = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the child)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        with self.lock:
            self.children[name] = proc
            self.expected_exit.discard(name)
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> int:
        with self.lock:
            proc = self.children[name]
            self.expected_exit.add(name)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=10)
        return proc.pid

    def exited(self) -> list[tuple[str, int]]:
        """Children that stopped on their own (not stopped by us)."""
        with self.lock:
            return [
                (name, proc.returncode)
                for name, proc in self.children.items()
                if name not in self.expected_exit and proc.poll() is not None
            ]

    def stop(self) -> None:
        with self.lock:
            procs = list(self.children.items())
            self.expected_exit.update(self.children)
        for _, proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for _, proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers, and any grandchildren
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_http(port: int, path: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Nothing answered on {HOST}:{port}{path} within {timeout:.0f} s")


# Databases ------------------------------------------------------------------------------


def local_database(url: str) -> urllib.parse.ParseResult:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or parsed.hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        raise SystemExit("--database-url must be a PostgreSQL database on 127.0.0.1")
    return parsed


def admin_execute(url: urllib.parse.ParseResult, *statements: str) -> None:
    import psycopg

    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def database_exists(url: urllib.parse.ParseResult, name: str) -> bool:
    import psycopg

    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def base_env(database_url: str, secret: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LINKWORK_"))}
    for name in (
        "DATABASE_URL",
        "DATABASE_REPLICA_URL",
        "NOTIFY_PORT",
        "NOTIFY_BASE_URL",
        "PORT",
        "SENTRY_DSN",
        "GUNICORN_BIND",
        "GUNICORN_CMD_ARGS",
    ):
        env.pop(name, None)
    env.update(
        LINKWORK_ENV_FILE="",  # read no .env: production settings from the environment only
        DJANGO_SECRET_KEY=secret,
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS=HOST,
        # HTTPS on (the default without DEBUG); the bench plays the TLS proxy on 127.0.0.1.
        LINKWORK_BEHIND_TLS_PROXY="1",
        LINKWORK_TRUSTED_PROXIES=HOST,
        NOTIFY_API_KEY=NOTIFY_KEY,
        PYTHONUNBUFFERED="1",
    )
    return env


def build_template(url, template: str, env: dict, activities: int, history: int) -> None:
    log(f"Building the template database {template} (load_demo --activities {activities})")
    admin_execute(url, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"')
    env = env | {
        "DATABASE_URL": url._replace(path=f"/{template}").geturl(),
        "LINKWORK_NONPROD": "1",  # the demo loader lives in the nonprod app
    }
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "load_demo",
            "--quiet",
            "--activities",
            str(activities),
            "--history",
            str(history),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log(f"Template built in {time.monotonic() - started:.0f} s")


# The bench's users, tokens and links (in this process, on the run's database) -------------


@dataclass
class Fixtures:
    fhir_clients: list[tuple[str, str]]  # (token, practice ODS code)
    postcodes: list[str]
    gp_sessions: list[tuple[str, list[str]]]  # (session key, referral ids of its practice)
    lw_sessions: list[tuple[str, list[tuple[str, str]]]]  # (key, [(case id, request id)])
    link_sessions: list[tuple[str, list[tuple[str, str]]]]  # the same people, other browsers
    answer_links: list[tuple[str, date, str]]  # (token, date of birth, request id)
    needs: list[str]
    sent_before: set[str]


def django_setup(env: dict) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "LINKWORK_"))})
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    os.environ["NOTIFY_API_KEY"] = env["NOTIFY_API_KEY"]
    os.environ["NOTIFY_BASE_URL"] = env["NOTIFY_BASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def make_session(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.sessions import GENERATION
    from core.middleware import SIGNED_IN_AT

    # Signed in with a verified second factor, as django-otp marks it (accounts/second_factor.py).
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[GENERATION] = user.session_generation
    session[SIGNED_IN_AT] = time.time()
    session.create()
    return session.session_key


def prepare(rng: random.Random, *, answer_links: int) -> Fixtures:
    from django.db.models import Count, Q

    from accounts.models import User
    from api.fhir.actions import create_api_client
    from api.fhir.models import Scope
    from core import periodic
    from core.permissions import Role
    from notifications.actions import reachable
    from organisations.models import Organisation
    from outcomes.actions import send_link
    from outcomes.models import QuestionnaireRequest, Timepoint
    from referrals.models import Need, Person, Referral

    started = time.monotonic()
    # The periodic duties, as the sweep would have run them: none falls due during the run.
    periodic.run_duties()
    log(f"Periodic duties run once in {time.monotonic() - started:.1f} s")
    practices = list(
        Organisation.objects.filter(
            area__name=AREA_NAME, kind=Organisation.Kind.GP_PRACTICE, ods_code__startswith="Y9"
        ).order_by("ods_code")
    )
    fhir_clients = []
    for practice in practices:
        _, token = create_api_client(
            by=None,
            organisation=practice,
            name="Bench GP system",
            scopes=list(Scope.values),
        )
        fhir_clients.append((token, practice.ods_code))
    postcodes = sorted(
        set(
            Person.objects.filter(referrals__area__name=AREA_NAME)
            .exclude(postcode="")
            .values_list("postcode", flat=True)[:2000]
        )
    )
    gp_sessions = []
    for user in User.objects.filter(role=Role.REFERRER, organisation__in=practices, is_active=True):
        ids = list(
            Referral.objects.filter(referring_organisation=user.organisation_id)
            .order_by("-received_at")
            .values_list("pk", flat=True)[:40]
        )
        if ids:
            gp_sessions.append((make_session(user), [str(i) for i in ids]))
    open_cases = Referral.objects.filter(
        area__name=AREA_NAME, closed_at__isnull=True, allocated_to__isnull=False
    )
    workers = (
        User.objects.filter(role=Role.LINK_WORKER, is_active=True)
        .annotate(cases=Count("caseload", filter=Q(caseload__in=open_cases)))
        .filter(cases__gt=0)
        .order_by("-cases")[:30]
    )
    lw_sessions, link_sessions = [], []
    today = date.today()
    for worker in workers:
        cases = list(
            open_cases.filter(allocated_to=worker)
            .filter(reachable("person__"))
            .select_related("person")[:15]
        )
        pairs = []
        for referral in cases:
            request = QuestionnaireRequest.objects.create(
                referral=referral,
                timepoint=Timepoint.OTHER,
                instruments=QUESTIONNAIRE,
                due_on=today,
            )
            pairs.append((str(referral.pk), str(request.pk)))
        if pairs:
            lw_sessions.append((make_session(worker), pairs))
            link_sessions.append((make_session(worker), pairs))
    links = []
    candidates = list(
        open_cases.filter(reachable("person__"))
        .select_related("person")
        .order_by("?")[:answer_links]
    )
    for referral in candidates:
        request = QuestionnaireRequest.objects.create(
            referral=referral, timepoint=Timepoint.OTHER, instruments=QUESTIONNAIRE, due_on=today
        )
        token = send_link(by=None, request=request)
        if token:
            links.append((token, referral.person.date_of_birth, str(request.pk)))
    needs = list(Need.objects.filter(active=True).values_list("code", flat=True))
    log(
        f"Fixtures: {len(fhir_clients)} FHIR clients, {len(gp_sessions)} GP sessions, "
        f"{len(lw_sessions)} link-worker sessions ({sum(len(p) for _, p in lw_sessions)} cases), "
        f"{len(links)} questionnaire links, {len(postcodes)} postcodes "
        f"({time.monotonic() - started:.1f} s)"
    )
    return Fixtures(
        fhir_clients,
        postcodes,
        gp_sessions,
        lw_sessions,
        link_sessions,
        links,
        needs,
        already_sent(),
    )


# HTTP -----------------------------------------------------------------------------------


class Http:
    """One keep-alive connection to one web process, as one browser or GP system has."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, headers, body); raises OSError/HTTPException on failure (timeouts too)."""
        head = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "linkwork-bench-load",
        }
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        head.update(headers or {})
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=head)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                # A kept-alive connection the server had closed (gunicorn's max_requests):
                # try once on a new one, as browsers do. Never twice, never a fresh one.
                if fresh or attempt == 2:
                    raise
                continue
            except BaseException:
                self.close()
                raise
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            if (response.getheader("Connection") or "").lower() == "close":
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Sample:
    kind: str
    start: float  # monotonic
    end: float
    status: int  # 0: no answer (connection refused, reset, timed out)
    error: str = ""
    expected: bool = True


class Recorder:
    def __init__(self):
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.created: list[str] = []  # FHIR referral ids from 201 Locations
        self.non_created: Counter = Counter()  # FHIR answers other than 201
        self.answered: list[tuple[str, str, str]] = []  # (request id, instrument, item key)
        self.links_sent = 0
        self.missed: Counter = Counter()  # open-loop requests started late by > 1 s

    def add(self, sample: Sample):
        with self.lock:
            self.samples.append(sample)


def timed(
    recorder: Recorder,
    kind: str,
    client: Http,
    method: str,
    path: str,
    *,
    body=None,
    headers=None,
    ok=(200,),
):
    start = time.monotonic()
    try:
        status, head, data = client.request(method, path, body=body, headers=headers)
    except (OSError, http.client.HTTPException) as error:
        recorder.add(Sample(kind, start, time.monotonic(), 0, type(error).__name__, False))
        return None
    recorder.add(Sample(kind, start, time.monotonic(), status, "", status in ok))
    return status, head, data


# The load -------------------------------------------------------------------------------


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        if digits[0] == 0:
            continue
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


EXAMPLE = json.loads((ROOT / "docs" / "api" / "fhir-servicerequest-example.json").read_text())


def service_request(rng: random.Random, ods: str, postcode: str, run_tag: str, n: int) -> bytes:
    """The documented example (docs/api/fhir-servicerequest-example.json), made someone new:
    a fresh identifier, NHS number, name, birth date and postcode, from this client's practice."""
    body = copy.deepcopy(EXAMPLE)
    body["identifier"] = [
        {"system": f"https://{ods.lower()}.example/referrals", "value": f"BENCH-{run_tag}-{n}"}
    ]
    patient, requester, consent = body["contained"]
    patient["identifier"][0]["value"] = nhs_number(rng)
    patient["name"] = [
        {
            "use": "official",
            "family": rng.choice(["Fenton", "Okafor", "Patel", "Walsh", "Nowak", "Hughes"]),
            "given": [rng.choice(["Ann", "Bob", "Chidi", "Dev", "Eve", "Fay"])],
        }
    ]
    patient["gender"] = rng.choice(["female", "male"])
    patient["birthDate"] = (date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 75))).isoformat()
    patient["address"] = [{"postalCode": postcode}]
    # Not 07700 900002/3: the fake Notify's numbers that fail.
    patient["telecom"] = [
        {"system": "phone", "value": f"07700 900{rng.randrange(100, 999)}", "rank": 1}
    ]
    requester["organization"]["identifier"]["value"] = ods
    requester["organization"].pop("display", None)
    consent["dateTime"] = datetime.now().astimezone().isoformat(timespec="seconds")
    body["reasonCode"][1]["coding"][0]["code"] = rng.choice(NEEDS)
    return json.dumps(body).encode()


class Load:
    def __init__(self, args, ports, fixtures: Fixtures, recorder: Recorder, run_tag: str):
        self.args = args
        self.ports = ports
        self.fx = fixtures
        self.rec = recorder
        self.run_tag = run_tag
        self.stop = threading.Event()
        self.counter = iter(range(10**9))
        self.counter_lock = threading.Lock()
        self.links = list(fixtures.answer_links)
        self.links_lock = threading.Lock()
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret

    def next_number(self) -> int:
        with self.counter_lock:
            return next(self.counter)

    # One unit of each kind of work

    def fhir(self, client: Http, rng: random.Random, token: str, ods: str):
        body = service_request(
            rng, ods, rng.choice(self.fx.postcodes), self.run_tag, self.next_number()
        )
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/fhir+json",
            "Accept": "application/fhir+json",
        }
        result = timed(
            self.rec,
            "fhir_post",
            client,
            "POST",
            "/api/fhir/ServiceRequest",
            body=body,
            headers=headers,
            ok=(201,),
        )
        if result is None:
            with self.rec.lock:
                self.rec.non_created["no answer"] += 1
            return
        status, head, _ = result
        with self.rec.lock:
            if status == 201:
                self.rec.created.append((head.get("Location") or "").rstrip("/").rsplit("/", 1)[-1])
            else:
                self.rec.non_created[status] += 1

    def gp_page(self, client: Http, rng: random.Random, session: tuple):
        key, referral_ids = session
        client.cookies["sessionid"] = key
        if rng.random() < 0.5:
            timed(self.rec, "gp_sent_list", client, "GET", "/referrals/")
        else:
            timed(self.rec, "gp_referral", client, "GET", f"/referrals/{rng.choice(referral_ids)}/")

    def lw_page(self, client: Http, rng: random.Random, session: tuple):
        key, cases = session
        client.cookies["sessionid"] = key
        if rng.random() < 1 / 3:
            timed(self.rec, "lw_caseload", client, "GET", "/cases/")
        else:
            timed(self.rec, "lw_case", client, "GET", f"/cases/{rng.choice(cases)[0]}/")

    def send_link(self, client: Http, rng: random.Random, session: tuple):
        key, cases = session
        client.cookies["sessionid"] = key
        client.cookies["csrftoken"] = self.csrf
        case, request = rng.choice(cases)
        result = timed(
            self.rec,
            "lw_send_link",
            client,
            "POST",
            f"/cases/{case}/questionnaires/{request}/send/",
            body=urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf}).encode(),
            headers=self._form_headers(client),
            ok=(302,),
        )
        if result and result[0] == 302:
            with self.rec.lock:
                self.rec.links_sent += 1

    def search(self, client: Http, rng: random.Random):
        postcode = rng.choice(self.fx.postcodes)
        params = {"postcode": postcode.split(" ")[0], "q": rng.choice(SEARCH_WORDS)}
        if rng.random() < 0.5:
            timed(
                self.rec, "public_find", client, "GET", f"/find/?{urllib.parse.urlencode(params)}"
            )
        else:
            timed(
                self.rec,
                "public_api_search",
                client,
                "GET",
                f"/api/v1/activities/search?{urllib.parse.urlencode(params)}",
            )

    def _form_headers(self, client: Http) -> dict:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}:{client.port}",
        }

    def questionnaire(self, client: Http, rng: random.Random, state: dict):
        """One answer (the date of birth first) of one person's questionnaire on their phone."""
        if not state.get("steps"):
            with self.links_lock:
                if not self.links:
                    return
                token, born, request_id = self.links.pop()
            client.cookies.clear()
            client.cookies["csrftoken"] = self.csrf
            steps = [
                (
                    "dob",
                    f"/q/{token}/",
                    {
                        "date_of_birth[day]": born.day,
                        "date_of_birth[month]": born.month,
                        "date_of_birth[year]": born.year,
                    },
                )
            ]
            risky = rng.random() < 0.2  # a fifth answer the self-harm question "some days"
            from_instruments = {"ons4": (4, range(0, 11)), "phq9": (9, range(0, 4))}
            for code in QUESTIONNAIRE:
                items, values = from_instruments[code]
                for number in range(1, items + 1):
                    value = rng.choice(values)
                    if code == "phq9" and number == 9:  # self_harm: 1 or more raises an alert
                        value = 1 if risky else 0
                    steps.append(
                        (f"{code}:{number}", f"/q/{token}/{code}/{number}/", {"answer": value})
                    )
            state.update(steps=steps, request=request_id)
        step, path, fields = state["steps"].pop(0)
        fields = {"csrfmiddlewaretoken": self.csrf, **fields}
        result = timed(
            self.rec,
            "questionnaire_answer",
            client,
            "POST",
            path,
            body=urllib.parse.urlencode(fields).encode(),
            headers=self._form_headers(client),
            ok=(302,),
        )
        if result is None or result[0] != 302:
            state["steps"] = []  # give this person up; the next unit starts another
            return
        if step != "dob":
            code, number = step.split(":")
            with self.rec.lock:
                self.rec.answered.append((state["request"], code, number))

    # Drivers

    def closed_loop(self, name: str, clients: int, unit, setup):
        def run(i):
            rng = random.Random(f"{self.run_tag}-{name}-{i}")
            client = Http(self.ports[i % len(self.ports)])
            context = setup(i, rng)
            try:
                while not self.stop.is_set():
                    unit(client, rng, *context)
            finally:
                client.close()

        return [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]

    def paced(self, name: str, rate: float, unit, setup, threads: int | None = None):
        """Open loop: `rate` units a second spread over threads, whatever the answers take."""
        if rate <= 0:
            return []
        threads = threads or max(2, min(24, math.ceil(rate * 0.6)))
        interval = threads / rate

        def run(i):
            rng = random.Random(f"{self.run_tag}-{name}-{i}")
            client = Http(self.ports[i % len(self.ports)])
            context = setup(i, rng)
            due = time.monotonic() + interval * i / threads
            try:
                while not self.stop.is_set():
                    wait = due - time.monotonic()
                    if wait > 0 and self.stop.wait(wait):
                        break
                    if -wait > 1.0:
                        self.rec.missed[name] += 1
                        due = time.monotonic()
                    unit(client, rng, *context)
                    due += interval
            finally:
                client.close()

        return [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]

    def threads(self) -> list[threading.Thread]:
        a, fx, scale = self.args, self.fx, self.args.scale / 10
        kinds = set(a.kinds.split(","))
        out = []
        if "fhir" in kinds:
            fhir_rate = a.fhir_rate if a.fhir_rate is not None else (0 if kinds == {"fhir"} else 1)
            if fhir_rate > 0:
                out += self.paced(
                    "fhir",
                    fhir_rate,
                    self.fhir,
                    lambda i, rng: fx.fhir_clients[i % len(fx.fhir_clients)],
                )
            else:
                out += self.closed_loop(
                    "fhir",
                    a.fhir_clients,
                    self.fhir,
                    lambda i, rng: fx.fhir_clients[i % len(fx.fhir_clients)],
                )
        if "lw" in kinds:
            out += self.paced(
                "lw_pages",
                20 * scale,
                self.lw_page,
                lambda i, rng: (fx.lw_sessions[i % len(fx.lw_sessions)],),
            )
        if "gp" in kinds:
            out += self.paced(
                "gp_pages",
                12 * scale,
                self.gp_page,
                lambda i, rng: (fx.gp_sessions[i % len(fx.gp_sessions)],),
            )
        if "search" in kinds:
            out += self.paced("searches", 2 * scale, self.search, lambda i, rng: ())
        if "questionnaire" in kinds:
            out += self.paced(
                "questionnaire",
                max(1.0, 0.6 * scale),
                self.questionnaire,
                lambda i, rng: ({},),
                threads=4,
            )
        if "links" in kinds:
            out += self.paced(
                "send_link",
                a.link_rate,
                self.send_link,
                lambda i, rng: (fx.link_sessions[i % len(fx.link_sessions)],),
            )
        return out


# Checks ---------------------------------------------------------------------------------


def fake_sent(port: int) -> dict[str, int]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/bench/sent")
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data["sent"]


def db_retry(fn, attempts: int = 30):
    """Run a read on the bench's own connection, reconnecting while PostgreSQL restarts."""
    from django.db import InterfaceError, OperationalError, connection

    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, InterfaceError):
            connection.close()
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def outbox_state(exclude=()):
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Message

    now = timezone.now()
    due = (
        Message.objects.filter(
            Q(status=Message.Status.QUEUED, send_after__lte=now) | Q(status=Message.Status.SENDING)
        )
        .exclude(pk__in=list(exclude))
        .count()
    )
    ready = DBTaskResult.objects.ready().filter(queue_name="default").count()
    return due, ready


def wait_for_outbox(timeout: float, restart=None, exclude=()) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    state = (0, 0)
    while time.monotonic() < deadline:
        if restart:
            restart()
        state = db_retry(lambda: outbox_state(exclude))
        if state == (0, 0):
            return state
        time.sleep(1)
    return state


REACHED_NOTIFY = ("sent", "delivered", "temporary-failure", "permanent-failure")


def already_sent() -> set[str]:
    """Messages the demo loader sent (to its own fake) before this run's fake Notify began."""
    from notifications.models import Message

    return set(
        Message.objects.filter(status__in=REACHED_NOTIFY).values_list("reference", flat=True)
    )


def check_outbox(notify_port: int, since, before: set[str]) -> dict:
    from django.utils import timezone

    from notifications.models import Message

    sent = fake_sent(notify_port)
    reached = set(REACHED_NOTIFY)
    now = timezone.now()
    rows = list(Message.objects.values_list("reference", "status", "send_after", "created_at"))
    refs = {r for r, *_ in rows}
    result = Counter()
    problems = []
    for reference, status, send_after, created_at in rows:
        count = sent.get(reference, 0)
        if reference in before:
            result["sent_before_the_bench"] += 1
            if count:
                problems.append(f"{reference} was sent before the bench, and again {count}×")
            continue
        if status in reached:
            result["delivered"] += 1
            if created_at >= since:
                result["delivered_this_run"] += 1
            if count != 1:
                problems.append(f"{reference} ({status}) reached Notify {count} times")
        elif status == Message.Status.QUEUED and send_after > now:
            result["waiting_for_later"] += 1  # quiet hours or a retry booked later: not due
            if count:
                problems.append(f"{reference} waits to be sent, but Notify had it {count} times")
        elif status in (Message.Status.QUEUED, Message.Status.SENDING):
            result["stuck"] += 1
            problems.append(f"{reference} is still {status} (due, not sent)")
        else:  # failed, not sent
            result[status] += 1
            if count:
                problems.append(f"{reference} is {status}, but Notify had it {count} times")
    for reference, count in sent.items():
        if reference not in refs:
            problems.append(f"Notify got {reference!r} ({count}×) that no message has")
    result["fake_notify_sends"] = sum(sent.values())
    return {"counts": dict(result), "problems": problems}


def check_referrals(recorder: Recorder, run_tag: str) -> dict:
    """The run's referrals are those whose ServiceRequest identifier carries its tag (not
    those received since it began: a warm-up request the client gave up on may still land)."""
    from api.fhir.models import Submission

    created = recorder.created
    fhir_new = {
        str(pk)
        for pk in Submission.objects.filter(
            identifier_value__startswith=f"BENCH-{run_tag}-", referral__source="fhir"
        ).values_list("referral_id", flat=True)
    }
    distinct = set(created)
    problems = []
    if len(distinct) != len(created):
        problems.append(f"{len(created) - len(distinct)} 201s named a referral already named")
    missing = distinct - fhir_new
    if missing:
        problems.append(f"{len(missing)} referrals answered 201 are not in the database")
    extra = fhir_new - distinct
    unanswered = recorder.non_created.get("no answer", 0)
    if len(extra) > unanswered:
        problems.append(
            f"{len(extra)} new FHIR referrals in the database had no 201 "
            f"(only {unanswered} FHIR requests went unanswered)"
        )
    return {
        "responses_201": len(created),
        "new_fhir_referrals": len(fhir_new),
        "problems": problems,
    }


def check_answers(recorder: Recorder) -> dict:
    from outcomes import instruments
    from outcomes.models import Response

    saved = defaultdict(set)
    ids = {r for r, _, _ in recorder.answered}
    for request_id, code, answers, skipped in Response.objects.filter(
        request_id__in=ids
    ).values_list("request_id", "instrument", "answers", "skipped"):
        saved[(str(request_id), code)] |= set(answers) | set(skipped or [])
    lost = 0
    for request_id, code, number in recorder.answered:
        key = instruments.get(code).items[int(number) - 1].key
        if key not in saved[(request_id, code)]:
            lost += 1
    problems = [f"{lost} answers acknowledged (302) are not in the database"] if lost else []
    return {"answers_acknowledged": len(recorder.answered), "problems": problems}


# Report ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    low = math.floor(k)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def summary(recorder: Recorder, t0: float, t1: float) -> tuple[list[str], dict]:
    by_kind = defaultdict(list)
    for s in recorder.samples:
        by_kind[s.kind].append(s)
    seconds = t1 - t0
    lines = [
        f"{'kind':<22}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}  statuses"
    ]
    table = {}
    for kind in sorted(by_kind):
        samples = by_kind[kind]
        times = [(s.end - s.start) * 1000 for s in samples if s.expected]
        statuses = Counter(s.status if s.status else s.error for s in samples)
        row = {
            "count": len(samples),
            "ok": len(times),
            "per_second": len(times) / seconds,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": max(times) if times else float("nan"),
            "statuses": {str(k): v for k, v in statuses.items()},
            "5xx": sum(1 for s in samples if s.status >= 500),
        }
        table[kind] = row
        lines.append(
            f"{kind:<22}{row['count']:>7}{row['per_second']:>8.1f}{row['p50']:>9.1f}"
            f"{row['p95']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.0f}  "
            + ", ".join(f"{k}: {v}" for k, v in sorted(row["statuses"].items()))
        )
    staff = [
        (s.end - s.start) * 1000
        for s in recorder.samples
        if s.expected and s.kind.startswith(("gp_", "lw_"))
    ]
    table["staff_pages"] = {"p95": percentile(staff, 95), "count": len(staff)}
    lines.append(
        f"{'staff pages (all)':<22}{len(staff):>7}{len(staff) / seconds:>8.1f}"
        f"{percentile(staff, 50):>9.1f}{percentile(staff, 95):>9.1f}{percentile(staff, 99):>9.1f}"
    )
    return lines, table


def timeline(recorder: Recorder, t0: float, t1: float, step: float = 10.0) -> list[str]:
    buckets = defaultdict(Counter)
    for s in recorder.samples:
        b = int((s.start - t0) // step)
        buckets[b]["fhir_201" if s.kind == "fhir_post" and s.status == 201 else "other_ok"] += (
            1 if s.expected else 0
        )
        if not s.expected:
            buckets[b]["failed"] += 1
    lines = []
    for b in range(int(math.ceil((t1 - t0) / step))):
        c = buckets[b]
        lines.append(
            f"  {b * step:>5.0f}-{(b + 1) * step:<4.0f}s  FHIR {c['fhir_201'] / step:6.1f}/s  "
            f"other {c['other_ok'] / step:6.1f}/s  failed {c['failed']}"
        )
    return lines


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> tuple[int, float]:
    """(process group, CPU seconds used) of a process; (0, 0) if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


def cpu_of_groups(processes: "Processes") -> dict[str, float]:
    """CPU seconds used so far by the bench's web processes and workers (each a process
    group), so the cost per request can be told apart from whatever else the shared machine
    is doing."""
    roles = {}
    for name, proc in list(processes.children.items()):
        roles[proc.pid] = (
            "web" if name.startswith("web") else "workers" if "worker" in name else name
        )
    used = Counter()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            pgid, seconds = proc_cpu(int(entry.name))
            if pgid in roles:
                used[roles[pgid]] += seconds
    return dict(used)


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends serving the bench's database, sampled while
    it runs (connections come and go: DATABASE_CONN_MAX_AGE)."""

    def __init__(self, database: str):
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.since = None
        self.conn = None

    def sample(self) -> None:
        import psycopg

        try:
            if self.conn is None or self.conn.closed:
                url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
                self.conn = psycopg.connect(
                    url._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=2
                )
            rows = self.conn.execute(
                "SELECT pid, backend_start, now() FROM pg_stat_activity WHERE datname = %s",
                [self.database],
            ).fetchall()
        except psycopg.Error:
            self.conn = None
            return
        for pid, started, now in rows:
            if self.since is None:
                self.since = now
            seconds = proc_cpu(pid)[1]
            if pid not in self.first:
                self.first[pid] = 0.0 if started > self.since else seconds
            self.last[pid] = max(self.last.get(pid, 0.0), seconds)

    def used(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    def close(self):
        if self.conn is not None:
            self.conn.close()


def machine_load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# Main -----------------------------------------------------------------------------------


def quiet_hours_away_from_now() -> str:
    """A one-minute quiet window twelve hours away, so texts to people go during the run
    (the default 20:00-08:00 would hold them all if the bench runs at night)."""
    from zoneinfo import ZoneInfo

    start = datetime.now(ZoneInfo("Europe/London")) + timedelta(hours=12)
    end = start + timedelta(minutes=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--quick", action="store_true", help="a 20-second smoke run")
    parser.add_argument(
        "--fault",
        choices=["worker", "postgres", "connections"],
        help="connections: end every connection to the bench's database (pg_terminate_backend),"
        " a restart's effect on linkwork without restarting the cluster others use",
    )
    parser.add_argument("--fault-at", type=float, default=0.4, help="when, as a share of the run")
    parser.add_argument(
        "--wait-for-safety-net",
        action="store_true",
        help="--fault worker: wait for the sweep's own requeue (10-25 min)",
    )
    parser.add_argument(
        "--kinds",
        default=KINDS,
        help=f"which load, comma-separated (default all: {KINDS})",
    )
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds, not measured")
    parser.add_argument(
        "--bulk-worker",
        action="store_true",
        help="also a worker for the bulk queue (the Figures rebuild, CSV checks)",
    )
    parser.add_argument("--scale", type=float, default=10.0, help="× the county's peak")
    parser.add_argument("--fhir-clients", type=int, default=8, help="FHIR POSTs at once")
    parser.add_argument(
        "--fhir-rate",
        type=float,
        help="FHIR POSTs a second, open loop; 0: a closed loop of --fhir-clients (default: "
        "closed with --kinds fhir alone, else 1/s)",
    )
    parser.add_argument("--link-rate", type=float, default=2.0, help="links sent a second")
    parser.add_argument("--gunicorn-workers", type=int, help="per web process (default: conf)")
    parser.add_argument("--notify-latency-ms", type=float, default=100.0)
    parser.add_argument("--answer-links", type=int, default=300)
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--history", type=int, default=2400)
    parser.add_argument("--rebuild", action="store_true", help="make the template afresh")
    parser.add_argument("--drain-timeout", type=float, default=240.0)
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 20.0)
        args.warmup = min(args.warmup, 5.0)
    if args.fault == "postgres" and os.geteuid() != 0:
        raise SystemExit("--fault postgres restarts the local cluster: run as root")

    url = local_database(args.database_url)
    name = url.path.lstrip("/")
    template = f"{name}_template"
    run_dir = Path(f"/tmp/linkwork-load-{time.strftime('%Y%m%d-%H%M%S')}")
    run_dir.mkdir(parents=True)
    secret = secrets.token_urlsafe(50)
    database_url = url.geturl()
    env = base_env(database_url, secret)
    log(f"Logs in {run_dir}; machine: {machine_load()}")

    if args.rebuild or not database_exists(url, template):
        build_template(url, template, env, args.activities, args.history)
    started = time.monotonic()
    admin_execute(
        url,
        f'DROP DATABASE IF EXISTS "{name}"',
        f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
    )
    log(f"Fresh database {name} copied from {template} in {time.monotonic() - started:.1f} s")

    notify_port, ports = free_port(), [free_port(), free_port()]
    env.update(
        NOTIFY_BASE_URL=f"http://{HOST}:{notify_port}",
        LINKWORK_SITE_URL=f"https://{HOST}:{ports[0]}",
        LINKWORK_QUIET_HOURS=quiet_hours_away_from_now(),
    )
    django_setup(env)
    rng = random.Random(2026)
    fixtures = prepare(rng, answer_links=args.answer_links)
    from django.db import connection

    connection.close()

    processes = Processes(run_dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(args, env, processes, notify_port, ports, fixtures, run_dir)
    finally:
        log("Stopping every process the bench started")
        processes.stop()


def run(args, env, processes: Processes, notify_port, ports, fixtures, run_dir) -> int:
    from django.db import connection
    from django.utils import timezone

    subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    processes.start(
        "notify",
        [
            PYTHON,
            "bench/notify_counter.py",
            "--port",
            str(notify_port),
            "--latency-ms",
            str(args.notify_latency_ms),
        ],
        env,
    )
    for i, port in enumerate(ports, start=1):
        web_env = env | {"GUNICORN_BIND": f"{HOST}:{port}", "PORT": str(port)}
        if args.gunicorn_workers:
            web_env["GUNICORN_WORKERS"] = str(args.gunicorn_workers)
        processes.start(
            f"web{i}", [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"], web_env
        )
    workers = {}

    def start_worker(name: str, queue: str):
        workers[name] = processes.start(
            name, [PYTHON, "manage.py", "worker", "--queue-name", queue], env
        )

    start_worker("worker1", "default")
    start_worker("worker2", "default")
    if args.bulk_worker:
        start_worker("worker-bulk", "bulk")
    processes.start("sweep", [PYTHON, "manage.py", "sweep"], env)
    wait_for_http(notify_port, "/bench/sent")
    for port in ports:
        wait_for_http(port, "/api/v1/health")
    restarts = []

    def supervise():
        """Like a service manager (systemd Restart=, compose restart:), start again any
        worker or web process that stopped on its own, and say so."""
        for proc_name, code in processes.exited():
            if proc_name == "notify":
                raise SystemExit("The fake Notify stopped: see its log")
            restarts.append((proc_name, code, time.strftime("%H:%M:%S")))
            log(f"!! {proc_name} exited with status {code}: started again")
            if proc_name.startswith("worker"):
                start_worker(proc_name, "bulk" if proc_name == "worker-bulk" else "default")
            elif proc_name == "sweep":
                processes.start("sweep", [PYTHON, "manage.py", "sweep"], env)
            else:
                i = int(proc_name[-1])
                web_env = env | {
                    "GUNICORN_BIND": f"{HOST}:{ports[i - 1]}",
                    "PORT": str(ports[i - 1]),
                }
                processes.start(
                    proc_name, [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"], web_env
                )

    # Every kind of request first, on every web process: each imports what its first request
    # of a kind needs (the FHIR models take seconds), and that is not what is measured.
    warm = Http(ports[0]), Http(ports[1])
    for i in range(4):
        c = warm[i % 2]
        c.cookies["sessionid"] = fixtures.lw_sessions[i % len(fixtures.lw_sessions)][0]
        status, head, _ = c.request("GET", "/cases/")
        if status != 200:
            raise SystemExit(f"A link worker's caseload answered {status} ({head.get('Location')})")
    for c in warm:
        c.close()
    if args.warmup:
        log(f"Warming up for {args.warmup:.0f} s with the same load (not measured)")
        warmup = Load(args, ports, fixtures, Recorder(), f"warm{secrets.token_hex(3)}")
        warm_threads = warmup.threads()
        for t in warm_threads:
            t.start()
        time.sleep(args.warmup)
        warmup.stop.set()
        for t in warm_threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)
        fixtures.answer_links[:] = warmup.links  # the links it did not use
    state = wait_for_outbox(args.drain_timeout, restart=supervise)
    log(f"Before the run: outbox {'empty' if state == (0, 0) else state}")
    before = machine_load()
    log(f"Machine before the load: {before}")

    recorder = Recorder()
    run_tag = f"{time.strftime('%H%M%S')}{secrets.token_hex(2)}"
    load = Load(args, ports, fixtures, recorder, run_tag)
    threads = load.threads()
    since = timezone.now()
    connection.close()
    fault = {}

    pg_cpu = PostgresCpu(urllib.parse.urlparse(env["DATABASE_URL"]).path.lstrip("/"))
    pg_cpu.sample()
    roles0 = cpu_of_groups(processes)
    cpu0, own0 = cpu_busy(), os.times()
    t0 = time.monotonic()
    for t in threads:
        t.start()
    log(
        f"Load on {len(threads)} threads for {args.duration:.0f} s (ports {ports}, "
        f"Notify {notify_port}){'; fault: ' + args.fault if args.fault else ''}"
    )
    fault_at = t0 + args.duration * args.fault_at
    end = t0 + args.duration
    while time.monotonic() < end:
        time.sleep(0.5)
        pg_cpu.sample()
        if args.fault and not fault and time.monotonic() >= fault_at:
            fault = inject(args.fault, processes, t0)
        supervise()
    load.stop.set()
    for t in threads:
        t.join(timeout=REQUEST_TIMEOUT + 5)
    t1 = time.monotonic()
    cpu1, own1 = cpu_busy(), os.times()
    pg_cpu.sample()
    pg_cpu.close()
    roles1 = cpu_of_groups(processes)
    role_cpu = {role: roles1.get(role, 0) - roles0.get(role, 0) for role in ("web", "workers")}
    role_cpu["postgres"] = pg_cpu.used()
    machine_busy = (cpu1[0] - cpu0[0]) / max(1.0, cpu1[1] - cpu0[1])
    own_cpu = (own1.user + own1.system - own0.user - own0.system) / (t1 - t0)
    during = machine_load()
    log(f"Load stopped; machine: {during}")

    report = {"fault": fault, "restarts": restarts}
    if args.fault == "worker":
        report["worker_fault"] = worker_fault_recovery(args, fault, supervise)
    else:
        state = wait_for_outbox(args.drain_timeout, restart=supervise)
        log(f"Outbox after the run: {'empty' if state == (0, 0) else f'{state} (due, ready)'}")
    lines, table = summary(recorder, t0, t1)
    referrals = db_retry(lambda: check_referrals(recorder, run_tag))
    answers = db_retry(lambda: check_answers(recorder))
    outbox = db_retry(lambda: check_outbox(notify_port, since, fixtures.sent_before))
    problems = referrals["problems"] + answers["problems"] + outbox["problems"]
    failures = [s for s in recorder.samples if not s.expected]
    if args.fault in ("postgres", "connections"):
        window = (fault["at"] - 0.5, fault["until"] + 1.0)
        outside = [s for s in failures if s.end < window[0] or s.start > window[1]]
        report["postgres_fault"] = {
            "down_from_s": round(fault["at"] - t0, 2),
            "back_at_s": round(fault["until"] - t0, 2),
            "failed_requests": len(failures),
            "failed_by_kind": dict(
                Counter(f"{s.kind} {s.status or s.error}" for s in failures).most_common()
            ),
            "failed_outside_outage": len(outside),
        }
        if outside:
            problems.append(
                f"{len(outside)} requests failed outside the outage: "
                + ", ".join(
                    f"{s.kind} {s.status or s.error} at {s.start - t0:.1f}-{s.end - t0:.1f} s"
                    for s in outside[:10]
                )
            )
        failures = outside
    else:
        server_errors = [s for s in failures if s.status >= 500 or s.status == 0]
        if server_errors:
            problems.append(f"{len(server_errors)} requests failed with 5xx or no answer")
    unexpected = [s for s in failures if 0 < s.status < 500]
    if unexpected:
        problems.append(
            f"{len(unexpected)} unexpected answers: "
            + ", ".join(
                f"{k} {v}" for k, v in Counter((s.kind, s.status) for s in unexpected).items()
            )
        )

    print()
    print(
        f"linkwork load bench, {args.duration:.0f} s, scale ×{args.scale:g} of a county's peak, "
        f"{args.fhir_clients} FHIR clients, fault: {args.fault or 'none'}"
    )
    print(f"machine before: {before}")
    print(f"machine at end: {during}")
    print(
        f"CPU during the run: machine {machine_busy:.0%} busy ({os.cpu_count()} CPUs); "
        f"the load generator itself {own_cpu:.0%} of one CPU"
    )
    answered = sum(1 for x in recorder.samples if x.status)
    print(
        "CPU used by the bench's own processes: "
        + ", ".join(f"{role} {seconds:.1f} s" for role, seconds in role_cpu.items())
        + "; per answered request: "
        + ", ".join(
            f"{role} {1000 * seconds / max(1, answered):.1f} ms"
            for role, seconds in role_cpu.items()
        )
    )
    print()
    print("\n".join(lines))
    print()
    print("Per 10 s:")
    print("\n".join(timeline(recorder, t0, t1)))
    print()
    print(f"Open-loop requests started > 1 s late: {dict(recorder.missed) or 'none'}")
    print(
        f"Referrals: {referrals['responses_201']} answered 201, "
        f"{referrals['new_fhir_referrals']} new FHIR referrals in the database; "
        f"other FHIR answers: {dict(recorder.non_created) or 'none'}"
    )
    print(
        f"Questionnaire answers acknowledged: {answers['answers_acknowledged']}; "
        f"links sent by link workers: {recorder.links_sent}"
    )
    print(f"Outbox: {outbox['counts']}")
    for key in ("postgres_fault", "worker_fault"):
        if key in report:
            print(f"{key}: {json.dumps(report[key], default=str)}")
    if restarts:
        print(f"Processes that stopped on their own and were started again: {restarts}")
    goal_fhir = table.get("fhir_post", {}).get("per_second", 0)
    goal_staff = table["staff_pages"]["p95"]
    kinds = set(args.kinds.split(","))
    print()
    if "fhir" in kinds and not args.fhir_rate and (args.fhir_rate == 0 or kinds == {"fhir"}):
        print(
            f"Goal FHIR >= 100 referrals/s (closed loop): {goal_fhir:.1f}/s "
            f"{'MET' if goal_fhir >= 100 else 'NOT MET'}"
        )
    if kinds & {"lw", "gp"}:
        print(
            f"Goal staff pages p95 <= 150 ms: {goal_staff:.0f} ms "
            f"{'MET' if goal_staff <= 150 else 'NOT MET'}"
        )
    print("Checks: " + ("all passed" if not problems else f"{len(problems)} FAILED"))
    for problem in problems[:30]:
        print(f"  - {problem}")
    (run_dir / "result.json").write_text(
        json.dumps(
            {
                "table": table,
                "referrals": referrals,
                "answers": answers,
                "outbox": outbox,
                "report": report,
                "problems": problems,
                "machine": [before, during, machine_busy, own_cpu],
                "cpu_seconds": role_cpu,
                "args": vars(args),
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nDetails: {run_dir}/result.json; process logs beside it.")
    return 1 if problems else 0


def inject(kind: str, processes: Processes, t0: float) -> dict:
    if kind == "worker":
        pid = processes.children["worker1"].pid
        holding = wait_until_sending(pid, seconds=15)
        at = time.monotonic()
        processes.kill("worker1", signal.SIGKILL)
        log(
            f"FAULT: worker1 (pid {pid}) killed with SIGKILL at {at - t0:.1f} s"
            + (f", while running {holding}" if holding else ", holding no task")
        )
        return {"kind": "worker", "pid": pid, "at": at, "at_s": round(at - t0, 1)}
    if kind == "connections":
        log("FAULT: ending every connection to the bench's database (pg_terminate_backend)")
        at = time.monotonic()
        url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
        admin_execute(
            url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{url.path.lstrip('/')}' AND pid <> pg_backend_pid()",
        )
        until = time.monotonic()
        return {
            "kind": kind,
            "at": at,
            "until": until,
            "at_s": round(at - t0, 1),
            "outage_s": round(until - at, 2),
        }
    others = subprocess.run(
        [
            "psql",
            "-h",
            HOST,
            "-U",
            "postgres",
            "-Atc",
            "SELECT string_agg(DISTINCT datname, ', ') FROM pg_stat_activity "
            "WHERE datname IS NOT NULL",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    log(
        "FAULT: restarting PostgreSQL (pg_ctlcluster 15 main restart). WARNING: every other "
        f"user of this cluster sees it too; connected now: {others}"
    )
    at = time.monotonic()
    result = subprocess.run(
        ["pg_ctlcluster", "15", "main", "restart"], capture_output=True, text=True, timeout=120
    )
    while subprocess.run(["pg_isready", "-h", HOST, "-q"], timeout=10).returncode != 0:
        time.sleep(0.1)
    until = time.monotonic()
    log(
        f"PostgreSQL back after {until - at:.1f} s "
        f"(pg_ctlcluster: {result.returncode} {result.stderr.strip()})"
    )
    return {
        "kind": "postgres",
        "at": at,
        "until": until,
        "at_s": round(at - t0, 1),
        "outage_s": round(until - at, 2),
    }


def wait_until_sending(pid: int, seconds: float) -> str:
    """Wait (a while) for the worker to be in the middle of sending a message: the moment a
    crash costs most. The task's name, or '' if it never was."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from core.models import WorkerHeartbeat

    deadline = time.monotonic() + seconds
    try:
        ids = [
            w
            for w in WorkerHeartbeat.objects.values_list("worker_id", flat=True)
            if f"-{pid}-" in w
        ]
        while ids and time.monotonic() < deadline:
            for path, worker_ids in DBTaskResult.objects.filter(status="RUNNING").values_list(
                "task_path", "worker_ids"
            ):
                if set(worker_ids or []) & set(ids) and path.endswith("send_message"):
                    return path.rsplit(".", 1)[-1]
            time.sleep(0.01)
    finally:
        connection.close()
    return ""


def worker_fault_recovery(args, fault: dict, supervise) -> dict:
    """What the killed worker held, and whether it all went exactly once in the end."""
    from datetime import timedelta as td

    from django.db.models import F
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from core.models import WorkerHeartbeat
    from notifications import tasks as notification_tasks
    from notifications.models import Message

    pid = fault["pid"]
    worker_ids = [
        w for w in WorkerHeartbeat.objects.values_list("worker_id", flat=True) if f"-{pid}-" in w
    ]
    held = [
        t
        for t in DBTaskResult.objects.filter(status="RUNNING")
        if set(t.worker_ids or []) & set(worker_ids)
    ]
    message_ids = [
        t.args_kwargs["args"][0] for t in held if t.task_path.endswith("tasks.send_message")
    ]
    stuck = list(
        Message.objects.filter(
            pk__in=message_ids, status__in=[Message.Status.QUEUED, Message.Status.SENDING]
        ).values_list("pk", "status")
    )
    finished_by_other = sum(
        1
        for ids in DBTaskResult.objects.filter(
            status="SUCCESSFUL", finished_at__gte=timezone.now() - td(seconds=args.duration * 3)
        ).values_list("worker_ids", flat=True)
        if not set(ids or []) & set(worker_ids)
    )
    state = wait_for_outbox(args.drain_timeout, restart=supervise, exclude=[pk for pk, _ in stuck])
    log(f"Outbox after the run, but for what the killed worker held: {state} (due, ready)")
    out = {
        "killed_worker": worker_ids,
        "tasks_left_running_by_it": [t.task_path.rsplit(".", 1)[-1] for t in held],
        "messages_it_held": [f"{pk} ({status})" for pk, status in stuck],
        "tasks_finished_by_the_others_in_the_run": finished_by_other,
    }
    if stuck:
        if args.wait_for_safety_net:
            log("Waiting for the sweep's requeue_lost_messages (up to 30 min)")
            deadline = time.monotonic() + 30 * 60
            while (
                time.monotonic() < deadline
                and Message.objects.filter(
                    pk__in=[pk for pk, _ in stuck],
                    status__in=[Message.Status.QUEUED, Message.Status.SENDING],
                ).exists()
            ):
                supervise()
                time.sleep(5)
            out["recovered_by"] = "the sweep's own requeue_lost_messages"
        else:
            # The safety net re-queues a message left "sending" (or queued and due) for
            # STUCK_AFTER (10 min). Rather than wait, set those messages' clocks back by that
            # much, and run the same duty the sweep runs.
            back = notification_tasks.STUCK_AFTER + td(minutes=1)
            ids = [pk for pk, _ in stuck]
            Message.objects.filter(pk__in=ids, status=Message.Status.SENDING).update(
                status_at=F("status_at") - back
            )
            Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(
                send_after=F("send_after") - back
            )
            out["requeue_lost_messages"] = notification_tasks.requeue_lost_messages()
            out["recovered_by"] = (
                "requeue_lost_messages, run by the bench with the held messages' clocks set "
                "back by STUCK_AFTER + 1 min (instead of waiting 10-25 min)"
            )
        out["outbox_after_recovery"] = wait_for_outbox(args.drain_timeout, restart=supervise)
    return out


if __name__ == "__main__":
    sys.exit(main())
