"""A ServiceRequest for someone another organisation has already referred is taken like any
new one (201): the client learns nothing of the other referral, and the service's triage sees
the possible duplicate. Only the client's own organisation's open referral is a 409.

Issue 13: practice B's GP system got a 409 saying an open referral existed."""

import copy
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from organisations.models import Organisation
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[3] / "docs" / "api" / "fhir-servicerequest-example.json"
    ).read_text()
)
NHS_NUMBER = "9449305552"  # the example's patient
FHIR = "application/fhir+json"


@pytest.fixture
def gp_system(area, service):
    """Practice Y90001's GP system (the example's requester): practice B here."""
    practice = factories.practice(area=area, name="Yardley Practice")
    Organisation.objects.filter(pk=practice.pk).update(ods_code="Y90001")
    practice.refresh_from_db()
    _, token = create_api_client(
        by=None, organisation=practice, name="EMIS", scopes=list(Scope.values)
    )
    return token


@pytest.fixture
def practice_a_referral(referrer, service):
    """Practice A's open referral of the example's patient, made weeks earlier."""
    return factories.referral(
        by=referrer,
        service=service,
        person=factories.PersonDetailsFactory(nhs_number=NHS_NUMBER, phone="07700900111"),
    )


def post(client, token, body):
    return client.post(
        "/api/fhir/ServiceRequest",
        data=json.dumps(body),
        content_type=FHIR,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def get(client, token, path):
    return client.get(f"/api/fhir{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def again(identifier):
    body = copy.deepcopy(EXAMPLE)
    body["identifier"][0]["value"] = identifier
    return body


def test_another_practices_open_referral_is_not_told_the_request_is_taken(
    client, gp_system, practice_a_referral, referrer
):
    response = post(client, gp_system, EXAMPLE)
    assert response.status_code == 201, response.content
    bundle = Bundle.model_validate(response.json())
    service_request, task = (e.resource for e in bundle.entry)
    assert task.status == "requested" and task.businessStatus.text == "Awaiting triage"
    assert task.for_fhir.identifier.value == NHS_NUMBER  # as they sent it
    text = response.content.decode()
    for secret in (
        str(practice_a_referral.pk),
        referrer.organisation.name,
        referrer.organisation.ods_code,
        practice_a_referral.received_at.isoformat(),
        "duplicate",
    ):
        assert secret not in text, secret
    # Reading it back later tells no more.
    read = get(client, gp_system, f"/Task/{task.id}")
    assert read.status_code == 200
    assert Task.model_validate(read.json()).status == "requested"
    assert referrer.organisation.name not in read.content.decode()
    # The episode's person record keeps what practice A sent.
    practice_a_referral.person.refresh_from_db()
    assert practice_a_referral.person.phone == "07700900111"


def test_triage_sees_the_possible_duplicate_from_the_gp_system(
    client, gp_system, practice_a_referral, team_lead
):
    created = post(client, gp_system, EXAMPLE).json()
    duplicate = Referral.objects.get(pk=created["entry"][0]["resource"]["id"])
    assert duplicate.possible_duplicate_of == practice_a_referral
    assert duplicate.nhs_number == NHS_NUMBER
    client.force_login(team_lead)
    queue = client.get(reverse("referrals:triage")).content.decode()
    assert "Possible duplicate" in queue
    triage = client.get(reverse("referrals:triage_referral", args=[duplicate.pk]))
    assert reverse("casework:case", args=[practice_a_referral.pk]) in triage.content.decode()


def test_the_same_practice_sending_again_is_told_of_its_own_referral(client, gp_system):
    first = post(client, gp_system, EXAMPLE).json()["entry"][0]["resource"]["id"]
    response = post(client, gp_system, again("REF-2026-000124"))
    assert response.status_code == 409
    issue = OperationOutcome.model_validate(response.json()).issue[0]
    assert issue.code == "duplicate" and f"ServiceRequest/{first}" in issue.diagnostics
    assert Referral.objects.count() == 1


def test_a_practice_repeating_its_held_duplicate_is_told_of_that_one_only(
    client, gp_system, practice_a_referral
):
    held = post(client, gp_system, EXAMPLE).json()["entry"][0]["resource"]["id"]
    response = post(client, gp_system, again("REF-2026-000125"))
    assert response.status_code == 409
    diagnostics = response.json()["issue"][0]["diagnostics"]
    assert f"ServiceRequest/{held}" in diagnostics
    assert str(practice_a_referral.pk) not in diagnostics
    assert f"{timezone.localtime(practice_a_referral.received_at):%d %B %Y}" not in diagnostics
