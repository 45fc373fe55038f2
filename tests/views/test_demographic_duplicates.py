"""Referring someone without an NHS number whose family name, date of birth and postcode match
a person the service already has an open referral of: a referrer from another organisation
learns nothing (the answer is the one a brand-new person gets, on the web form, the FHIR API
and a CSV upload alike) and the service's triage sees the possible duplicate. Only the
referrer's own organisation's open referral is pointed out to it, as it can see that anyway.

Issue 13 ("tell the referrer only what is theirs to know"): with no NHS number, such a match
got a "referred before" prompt on the form, a 409 from the FHIR API and a problem row in a CSV
upload, whoever had referred the person.
"""

import copy
import json
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from organisations.models import Organisation
from referrals.bulk import COLUMNS
from referrals.models import BulkUpload, Need, Person, Referral, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def page(response) -> str:
    return unescape(response.content.decode())


REFERENCE = re.compile(rb"\b[0-9A-Z]{4}-[0-9A-Z]{4}(?:-[0-9A-Z]{4})?\b")


def same_but_for(body: bytes, *names: str) -> bytes:
    """The response with what differs for any two referrals blanked: ids and references, the
    name typed, and what differs on every response anyway (CSP nonce, CSRF token)."""
    body = UUID.sub(b"<id>", body)
    body = REFERENCE.sub(b"<reference>", body)
    body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', body)
    for name in names:
        body = body.replace(name.encode(), b"<name>")
    return body


@pytest.fixture
def moment():
    """One fixed instant, so the two answers compared show the same times."""
    return timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)


def rosa(**changes):
    """Rosa Bright, without an NHS number."""
    return factories.PersonDetailsFactory(
        **{
            "nhs_number": "",
            "given_name": "Rosa",
            "family_name": "Bright",
            "date_of_birth": date(1987, 9, 3),
            "postcode": "NN1 5BD",
            "phone": "07700900111",
            **changes,
        }
    )


@pytest.fixture
def rosa_at_a(referrer, service):
    """Practice A's open referral of Rosa, made weeks earlier."""
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        return factories.referral(by=referrer, service=service, person=rosa())


# The web form


def form(**changes):
    return {
        "nhs_number": "",
        "given_name": "Rosa",
        "family_name": "Bright",
        "date_of_birth[day]": "3",
        "date_of_birth[month]": "9",
        "date_of_birth[year]": "1987",
        "postcode": "nn1 5bd",
        "phone": "07700 900999",
        "email": "",
        "preferred_contact": "phone",
        "needs": [str(Need.objects.get(code="loneliness").pk)],
        "context": "Very low since the winter.",
        "consent_to_contact": "on",
        **changes,
    }


def refer(client, user, data, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("referrals:new"), data)
        shown = client.get(response["Location"]) if response.status_code == 302 else None
    return response, shown, len(queries.captured_queries)


def test_web_form_another_practice_is_answered_as_for_a_brand_new_person(
    client, rosa_at_a, referrer, other_practice_referrer, moment
):
    # A first referral warms the caches, so the two compared do the same work.
    refer(client, other_practice_referrer, form(family_name="Warm", given_name="Up"), moment)
    new, new_page, new_queries = refer(
        client, other_practice_referrer, form(family_name="Newname", given_name="Ada"), moment
    )
    known, known_page, known_queries = refer(client, other_practice_referrer, form(), moment)

    assert new.status_code == known.status_code == 302
    assert same_but_for(new["Location"].encode()) == same_but_for(known["Location"].encode())
    assert same_but_for(new_page.content, "Ada Newname") == same_but_for(
        known_page.content, "Rosa Bright"
    )
    shown = page(known_page)
    for secret in (
        rosa_at_a.reference,
        f"{timezone.localtime(rosa_at_a.received_at):%-d %B %Y}",
        referrer.organisation.name,
        referrer.full_name,
        "already",
        "duplicate",
        "referred before",
    ):
        assert secret.lower() not in shown.lower(), secret
    # The same work either way (a proxy for timing): the duplicate adds one timeline row.
    assert abs(known_queries - new_queries) <= 2, (known_queries, new_queries)
    # Practice A's record of Rosa is not changed by what practice B typed.
    rosa_at_a.person.refresh_from_db()
    assert rosa_at_a.person.phone == "07700900111"


def test_web_form_triage_sees_the_possible_duplicate_and_merges_it(
    client, rosa_at_a, other_practice_referrer, team_lead, moment
):
    refer(client, other_practice_referrer, form(), moment)
    held = Referral.objects.get(referring_organisation=other_practice_referrer.organisation)
    assert held.possible_duplicate_of == rosa_at_a
    assert held.person != rosa_at_a.person  # kept apart until triage decides
    assert rosa_at_a.events.filter(kind=ReferralEvent.Kind.REFERRED_AGAIN).exists()

    client.force_login(team_lead)
    assert "Possible duplicate" in page(client.get(reverse("referrals:triage")))
    url = reverse("referrals:triage_referral", args=[held.pk])
    triage = page(client.get(url))
    assert "Possible duplicate" in triage and "The referrer has not been told" in triage
    assert reverse("casework:case", args=[rosa_at_a.pk]) in triage
    client.post(url, {"decision": "decline", "reason": "duplicate", "version": held.version})
    held.refresh_from_db()
    assert held.status == "declined"
    merged = rosa_at_a.events.get(summary__startswith="Second referral merged")
    assert "Very low since the winter." in merged.detail


def test_web_form_the_same_practice_is_shown_its_own_open_referral_and_can_go_on(
    client, rosa_at_a, referrer, team_lead, moment
):
    response, _, _ = refer(client, referrer, form(), moment)
    body = page(response)
    assert response.status_code == 200
    assert "Your organisation already has an open referral of Rosa Bright" in body
    assert "If this is a different person, confirm it below" in body
    assert reverse("referrals:detail", args=[rosa_at_a.pk]) in body
    assert Referral.objects.count() == 1

    # Twins share all three: the practice says it is someone else, and triage still checks.
    response, _, _ = refer(
        client, referrer, form(given_name="Rhea", confirm_new_person="on"), moment
    )
    assert response.status_code == 302
    twin = Referral.objects.exclude(pk=rosa_at_a.pk).get()
    assert twin.possible_duplicate_of == rosa_at_a and twin.person.given_name == "Rhea"
    client.force_login(team_lead)
    triage = page(client.get(reverse("referrals:triage_referral", args=[twin.pk])))
    assert "made both referrals and confirmed this is a different person" in triage


def test_web_form_a_practice_repeating_its_held_duplicate_is_told_of_that_one_only(
    client, rosa_at_a, other_practice_referrer, moment
):
    refer(client, other_practice_referrer, form(), moment)
    held = Referral.objects.get(referring_organisation=other_practice_referrer.organisation)
    response, _, _ = refer(client, other_practice_referrer, form(), moment)
    body = page(response)
    assert reverse("referrals:detail", args=[held.pk]) in body
    assert reverse("referrals:detail", args=[rosa_at_a.pk]) not in body
    assert f"{timezone.localtime(rosa_at_a.received_at):%-d %B %Y}" not in body
    assert Referral.objects.count() == 2


def test_a_self_referral_matching_on_details_is_held_for_triage(rosa_at_a, service):
    from referrals.actions import create_referral

    made = create_referral(
        by=None,
        service=service,
        person=rosa(phone="07700900555"),
        needs=list(Need.objects.filter(code="loneliness")),
        context="",
        consent_to_contact=True,
        source=Referral.Source.SELF,
    )
    assert made.possible_duplicate_of == rosa_at_a
    assert Person.objects.get(pk=rosa_at_a.person.pk).phone == "07700900111"


# The FHIR API

EXAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[2] / "docs" / "api" / "fhir-servicerequest-example.json"
    ).read_text()
)
FHIR = "application/fhir+json"


@pytest.fixture
def gp_system(area, service):
    """Practice Y90001's GP system (the example's requester)."""
    practice = factories.practice(area=area, name="Yardley Practice")
    Organisation.objects.filter(pk=practice.pk).update(ods_code="Y90001")
    practice.refresh_from_db()
    _, token = create_api_client(
        by=None, organisation=practice, name="EMIS", scopes=list(Scope.values)
    )
    return practice, token


def service_request(identifier, **patient):
    """The example, without an NHS number: Margaret Fenton, 14 March 1948, NN1 5BD."""
    body = copy.deepcopy(EXAMPLE)
    body["identifier"][0]["value"] = identifier
    contained = body["contained"][0]
    del contained["identifier"]
    if "family" in patient:
        contained["name"][0]["family"] = patient["family"]
    return body


def send(client, token, body, at):
    with time_machine.travel(at, tick=False):
        return client.post(
            "/api/fhir/ServiceRequest",
            data=json.dumps(body),
            content_type=FHIR,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )


@pytest.fixture
def margaret_at_a(referrer, service):
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        return factories.referral(
            by=referrer,
            service=service,
            person=rosa(
                given_name="Margaret",
                family_name="Fenton",
                date_of_birth=date(1948, 3, 14),
                postcode="NN1 5BD",
            ),
        )


def test_fhir_another_practice_gets_the_answer_a_brand_new_person_gets(
    client, gp_system, margaret_at_a, referrer, moment
):
    _, token = gp_system
    new = send(client, token, service_request("REF-NEW", family="Newname"), moment)
    known = send(client, token, service_request("REF-KNOWN"), moment)
    assert new.status_code == known.status_code == 201, known.content
    assert same_but_for(new.content, "Newname", "REF-NEW") == same_but_for(
        known.content, "Fenton", "REF-KNOWN"
    )
    assert same_but_for(new["Location"].encode()) == same_but_for(known["Location"].encode())
    text = known.content.decode()
    for secret in (
        str(margaret_at_a.pk),
        margaret_at_a.reference,
        referrer.organisation.name,
        "duplicate",
    ):
        assert secret not in text, secret


def test_fhir_triage_sees_the_possible_duplicate(
    client, gp_system, margaret_at_a, team_lead, moment
):
    practice, token = gp_system
    send(client, token, service_request("REF-KNOWN"), moment)
    held = Referral.objects.get(referring_organisation=practice)
    assert held.possible_duplicate_of == margaret_at_a
    client.force_login(team_lead)
    triage = page(client.get(reverse("referrals:triage_referral", args=[held.pk])))
    assert "Possible duplicate" in triage
    assert reverse("casework:case", args=[margaret_at_a.pk]) in triage


def test_fhir_the_same_practice_is_told_of_its_own_open_referral_only(
    client, gp_system, margaret_at_a, moment
):
    _, token = gp_system
    first = send(client, token, service_request("REF-1"), moment).json()
    held = first["entry"][0]["resource"]["id"]
    response = send(client, token, service_request("REF-2"), moment)
    assert response.status_code == 409
    issue = response.json()["issue"][0]
    assert issue["code"] == "duplicate"
    assert f"ServiceRequest/{held}" in issue["diagnostics"]
    assert str(margaret_at_a.pk) not in issue["diagnostics"]
    assert Referral.objects.count() == 2


# A CSV upload


def csv_row(**changes):
    values = {
        "nhs_number": "",
        "given_name": "Rosa",
        "family_name": "Bright",
        "date_of_birth": "1987-09-03",
        "postcode": "NN1 5BD",
        "phone": "07700 900999",
        "email": "",
        "preferred_contact": "phone",
        "texts_allowed": "no",
        "emails_allowed": "no",
        "needs": "loneliness",
        "context": "Very low since the winter",
        "consent_to_contact": "yes",
        **changes,
    }
    return ",".join(values[c] for c in COLUMNS)


def upload(client, user, rows, run_tasks, at):
    client.force_login(user)
    text = "\n".join([",".join(COLUMNS), *rows])
    before = set(BulkUpload.objects.values_list("pk", flat=True))
    with time_machine.travel(at, tick=False):
        client.post(
            reverse("referrals:uploads"),
            {"file": SimpleUploadedFile("referrals.csv", text.encode())},
        )
        run_tasks()
        made = BulkUpload.objects.exclude(pk__in=before).get()
        shown = client.get(reverse("referrals:upload", args=[made.pk]))
    return made, shown


def test_csv_another_practice_gets_the_answer_a_brand_new_person_gets(
    client, rosa_at_a, other_practice_referrer, run_tasks, moment
):
    new, new_page = upload(
        client, other_practice_referrer, [csv_row(family_name="Newname")], run_tasks, moment
    )
    known, known_page = upload(client, other_practice_referrer, [csv_row()], run_tasks, moment)
    assert (new.status, new.problems, new.created_count) == ("done", [], 1)
    assert (known.status, known.problems, known.created_count) == ("done", [], 1)
    assert same_but_for(new_page.content) == same_but_for(known_page.content)


def test_csv_triage_sees_the_possible_duplicate(
    client, rosa_at_a, other_practice_referrer, team_lead, run_tasks, moment
):
    upload(client, other_practice_referrer, [csv_row()], run_tasks, moment)
    held = Referral.objects.get(referring_organisation=other_practice_referrer.organisation)
    assert held.possible_duplicate_of == rosa_at_a and held.source == Referral.Source.BULK
    client.force_login(team_lead)
    assert "Possible duplicate" in page(client.get(reverse("referrals:triage")))


def test_csv_the_same_practice_is_told_of_its_own_open_referral(
    client, rosa_at_a, referrer, run_tasks, moment
):
    made, _ = upload(client, referrer, [csv_row(given_name="Rosie")], run_tasks, moment)
    assert made.status == "rejected" and Referral.objects.count() == 1
    assert [(p["line"], p["field"]) for p in made.problems] == [(2, "nhs_number")]
    assert "you already have an open referral of someone" in made.problems[0]["rule"]


def test_csv_the_same_person_twice_without_nhs_numbers_is_named(
    client, other_practice_referrer, service, run_tasks, moment
):
    made, _ = upload(
        client,
        other_practice_referrer,
        [csv_row(), csv_row(family_name="bright", given_name="Rosie")],
        run_tasks,
        moment,
    )
    assert made.status == "rejected" and not Referral.objects.exists()
    assert [(p["line"], p["field"]) for p in made.problems] == [(3, "nhs_number")]
    assert "the same person as line 2" in made.problems[0]["rule"]
