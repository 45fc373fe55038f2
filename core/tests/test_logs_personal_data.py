"""No personal data in the logs: the scrubber masks what it can recognise, and the main
pathway (referrals in through FHIR and forms, a search by postcode, texts that fail, errors
raised along the way) logs none of the people's details, while every line carries its
request id."""

import json
import logging
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from config.logging import REDACTED, formatter, scrub, scrub_text
from core.tests.log_capture import json_logs
from referrals import self_referral
from referrals.models import Need, Referral
from tests import factories
from tests.messages import how_did_it_go

# Scrubbing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 9449305552 given", "NHS number [nhs-number] given"),
        ("NHS number 944 930 5552 given", "NHS number [nhs-number] given"),
        ("call 07700 900461 today", "call [phone] today"),
        ("call +44 7700 900461 today", "call [phone] today"),
        ("call 01604 496000 today", "call [phone] today"),
        ("write to margaret.fenton@example.com now", "write to [email] now"),
        ("email=margaret.fenton%40example.com", "email=[email]"),
        ("lives at NN1 5BD, near", "lives at [postcode], near"),
        ("postcode=nn1+5bd&radius=5", "postcode=[postcode]&radius=5"),
        ("SW1A 1AA and EC1A1BB", "[postcode] and [postcode]"),
    ],
)
def test_scrub_text_masks_what_looks_like_personal_data(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "referral 0190f2e1-9d1c-7a3b-8c4d-123456789012 accepted",
        "Task id=4f0d9a2b-71c3-4c1e-9a55-0b6f3e2d1c0a path=x state=RUNNING",
        "2026-11-24T10:15:00+00:00 took 1234 ms",
        "district NN1 has 12 activities",
        "request_id=5f1c0e7a2b0b4c349d1e6a5a0c6f1e01",
    ],
)
def test_scrub_text_leaves_ids_times_and_districts(text):
    assert scrub_text(text) == text


def test_scrub_replaces_personal_keys_at_any_depth():
    event = {
        "event": "sent",
        "person": {"given_name": "Margaret", "nhs_number": "9449305552", "id": "abc"},
        "to": "07700900461",
        "notes": ["ring 07700 900461"],
        "count": 3,
    }
    assert scrub(event) == {
        "event": "sent",
        "person": {"given_name": REDACTED, "nhs_number": REDACTED, "id": "abc"},
        "to": REDACTED,
        "notes": REDACTED,
        "count": 3,
    }


def test_the_json_formatter_scrubs_exceptions_and_structlog_keys():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Failed for %s", ("NN1 5BD",), None)
    try:
        raise ValueError("duplicate key (nhs_number)=(9449305552)")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(formatter("json").format(record))
    assert line["event"] == "Failed for [postcode]"
    assert "9449305552" not in line["exception"] and "[nhs-number]" in line["exception"]
    assert line["level"] == "error" and line["logger"] == "x"


# The pathway

MARGARET = {  # the FHIR example (docs/api/fhir-servicerequest-example.json)
    "Margaret",
    "Fenton",
    "9449305552",
    "07700 900461",
    "07700900461",
    "margaret.fenton@example.com",
    "NN1 5BD",
    "1948-03-14",
}
ROSALIND = {"Rosalind", "Brightwater", "07700 900123", "07700900123", "rosalind.b@example.org"}
PERCIVAL_NHS = factories.valid_nhs_number()
PERCIVAL = {
    "Percival",
    "Ashdown",
    PERCIVAL_NHS,
    "01604 496000",
    "01604496000",
    "percival.ashdown@example.net",
    "NN1 1AA",
}
KNOWN = MARGARET | ROSALIND | PERCIVAL
NAMES = {"Margaret", "Fenton", "Rosalind", "Brightwater", "Percival", "Ashdown"}
EXAMPLE = json.loads(
    (
        __import__("pathlib").Path(__file__).resolve().parents[2]
        / "docs/api/fhir-servicerequest-example.json"
    ).read_text()
)


@pytest.fixture
def gp_token(area, service):
    practice = factories.practice(area=area)
    from organisations.models import Organisation

    Organisation.objects.filter(pk=practice.pk).update(ods_code="Y90001")
    _, token = create_api_client(
        by=None, organisation=practice, name="EMIS", scopes=list(Scope.values)
    )
    return token


def fhir_post(client, token, body):
    return client.post(
        "/api/fhir/ServiceRequest",
        data=json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def staff_form():
    return {
        "nhs_number": PERCIVAL_NHS,
        "given_name": "Percival",
        "family_name": "Ashdown",
        "date_of_birth[day]": "2",
        "date_of_birth[month]": "7",
        "date_of_birth[year]": "1951",
        "postcode": "NN1 1AA",
        "phone": "01604 496000",
        "email": "percival.ashdown@example.net",
        "preferred_contact": "phone",
        "texts_allowed": "on",
        "needs": [str(Need.objects.get(code="loneliness").pk)],
        "context": "Recently moved to be near family.",
        "consent_to_contact": "on",
    }


def self_referral_form():
    return {
        "given_name": "Rosalind",
        "family_name": "Brightwater",
        "date_of_birth[day]": "3",
        "date_of_birth[month]": "9",
        "date_of_birth[year]": "1987",
        "postcode": "nn1 5bd",
        "phone": "07700 900123",
        "email": "rosalind.b@example.org",
        "preferred_contact": "text",
        "texts_allowed": "on",
        "needs": ["new-parent"],
        "words": "Since the baby came I hardly see anyone",
        "practice_search": "Abington",
        "consent_to_contact": "on",
        "website": "",
        "started": self_referral.form_token(),
    }


def daytime_tomorrow():
    """Texts wait for the morning (quiet hours): run the pathway at ten tomorrow."""
    local = timezone.localtime() + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.mark.django_db
def test_the_pathway_logs_no_personal_data_and_every_line_its_request_id(
    gp_token, area, service, referrer, link_worker, notify, run_tasks, caplog, capfd
):
    factories.practice(area=area, name="Abington Park Surgery")
    caplog.set_level(logging.INFO)
    crasher = Client(raise_request_exception=False)
    answered = []
    with time_machine.travel(daytime_tomorrow(), tick=False), json_logs() as logs:
        # A GP system refers Margaret through FHIR.
        response = fhir_post(Client(), gp_token, EXAMPLE)
        assert response.status_code == 201, response.content
        answered.append(response)
        # …and we fail on a second one with a database error that quotes her details.
        again = {**EXAMPLE, "identifier": [{**EXAMPLE["identifier"][0], "value": "REF-2"}]}
        quoting = IntegrityError(
            "duplicate key value violates unique constraint DETAIL: Key (nhs_number, email, "
            "phone, postcode)=(9449305552, margaret.fenton@example.com, 07700 900461, "
            "NN1 5BD) already exists."
        )
        with mock.patch("api.fhir.actions.receive_service_request", side_effect=quoting):
            response = fhir_post(Client(), gp_token, again)
        assert response.status_code == 500
        answered.append(response)
        # A referrer refers Percival through the form.
        client = Client()
        client.force_login(referrer)
        response = client.post(reverse("referrals:new"), staff_form())
        assert response.status_code == 302, response.content.decode()[:2000]
        answered.append(response)
        # Rosalind refers herself, and searches for activities near her postcode.
        form = self_referral_form()  # started now, sent 30 seconds later, as a person would
        with time_machine.travel(timezone.now() + timedelta(seconds=30)):
            response = Client().post("/refer-yourself/", form)
        assert "What happens next" in response.content.decode(), response.content.decode()
        answered.append(response)
        answered.append(Client().get(reverse("directory:find"), {"postcode": "NN1 5BD"}))
        answered.append(Client().get("/api/v1/activities/search", {"postcode": "NN1 5BD"}))
        # The link worker opens Percival's case, and the page fails with an error that
        # quotes his details (Django's 500 handler logs it with its traceback).
        percival = Referral.objects.get(person__given_name="Percival")
        crasher.force_login(link_worker)
        quoting_him = ValueError(
            f"no timeline for {PERCIVAL_NHS} / percival.ashdown@example.net / 01604 496000"
        )
        # (The timeline is read for every case; a chart only for answers Percival has not given.)
        with mock.patch("casework.case_page.events", side_effect=quoting_him):
            response = crasher.get(reverse("casework:case", args=[percival.pk]))
        assert response.status_code == 500
        answered.append(response)
        # Texts: Notify is down for Rosalind's (tried again later); Percival's number is a
        # landline, which Notify refuses (given up, his number flagged).
        rosalind = Referral.objects.get(person__given_name="Rosalind")
        notify.fail_next(1, status=503)
        assert how_did_it_go(rosalind) is not None
        run_tasks()
        assert how_did_it_go(percival) is not None
        run_tasks()

    written = logs.text
    events = " ".join(line["event"] for line in logs.lines)
    # The pathway did log its failures (else this test would prove nothing)…
    assert "FHIR API error" in events and "Internal Server Error" in events
    assert "Notify: Fake outage" in events and "Notify gave up" in events
    assert "[nhs-number]" in written and "[email]" in written and "[phone]" in written
    # …with none of the people's details, in what the handler writes, in what was printed
    # to standard error, or in any record caplog saw once rendered by our formatter.
    rendered = "\n".join(formatter("json").format(record) for record in caplog.records)
    printed = capfd.readouterr().err
    for output, name in ((written, "json"), (printed, "stderr"), (rendered, "caplog")):
        leaks = sorted(s for s in KNOWN if s.lower() in output.lower())
        assert not leaks, f"{name} output holds {leaks}"
    # Names cannot be recognised by a pattern: no log call may be handed one.
    raw = " ".join(str(record.getMessage()) for record in caplog.records)
    assert not [n for n in NAMES if n in raw]
    # Every line carries a request id; each request's lines carry its own.
    assert all(line.get("request_id") for line in logs.lines)
    ids = {line["request_id"] for line in logs.lines}
    assert {response["X-Request-ID"] for response in answered} <= ids
