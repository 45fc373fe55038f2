"""The FHIR API: the example round-trips; every bad input gets the right OperationOutcome;
idempotency (also under concurrent retries); scopes and organisations kept apart."""

import copy
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

from api.fhir.actions import create_api_client, revoke_api_client
from api.fhir.models import Scope, Submission
from referrals.models import Referral
from tests import factories

EXAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[3] / "docs" / "api" / "fhir-servicerequest-example.json"
    ).read_text()
)
BASE = "/api/fhir"
FHIR = "application/fhir+json"


@pytest.fixture
def practice_y(area):
    practice = factories.practice(area=area)
    # The example names practice Y90001: give ours that code.
    from organisations.models import Organisation

    Organisation.objects.filter(pk=practice.pk).update(ods_code="Y90001")
    practice.refresh_from_db()
    return practice


@pytest.fixture
def gp_system(practice_y, service):
    client, token = create_api_client(
        by=None, organisation=practice_y, name="EMIS", scopes=list(Scope.values)
    )
    return client, token


def post(client, token, body, content_type=FHIR):
    return client.post(
        f"{BASE}/ServiceRequest",
        data=json.dumps(body) if not isinstance(body, str | bytes) else body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def get(client, token, path, **params):
    return client.get(f"{BASE}{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def issues(response):
    body = response.json()
    OperationOutcome.model_validate(body)
    return [(i["code"], (i.get("expression") or [""])[0], i["diagnostics"]) for i in body["issue"]]


@pytest.mark.django_db
def test_the_documented_example_creates_a_referral_and_round_trips(client, gp_system):
    api, token = gp_system
    response = post(client, token, EXAMPLE)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == FHIR
    bundle = Bundle.model_validate(response.json())
    service_request, task = (e.resource for e in bundle.entry)
    assert response["Location"].endswith(f"/api/fhir/ServiceRequest/{service_request.id}")
    referral = Referral.objects.get(pk=service_request.id)
    assert referral.source == "fhir" and referral.person.nhs_number == "9449305552"
    assert referral.person.phone == "07700900461" and referral.person.preferred_contact == "phone"
    assert {n.code for n in referral.needs.all()} == {"loneliness", "bereavement"}
    assert "Widowed in the spring" in referral.context
    # Patient.gender and the UK Core ethnic category extension, for the equity figures.
    assert (referral.person.sex, referral.person.ethnicity) == ("female", "A")
    assert referral.referring_organisation == api.organisation
    assert task.status == "requested" and task.identifier[0].value == "REF-2026-000123"
    # Read back what was created.
    read = get(client, token, f"/ServiceRequest/{service_request.id}").json()
    # Then linkwork's reference (api/fhir/tests/test_fhir_reference.py).
    sent = EXAMPLE["identifier"]
    assert read["identifier"][: len(sent)] == sent and read["status"] == "active"
    assert (
        Task.model_validate(get(client, token, f"/Task/{referral.pk}").json()).status == "requested"
    )


@pytest.mark.django_db
def test_the_same_identifier_again_returns_the_first_result(client, gp_system):
    api, token = gp_system
    first = post(client, token, EXAMPLE)
    again = post(client, token, EXAMPLE)
    assert first.status_code == 201 and again.status_code == 200
    assert first["Location"] == again["Location"]
    assert Referral.objects.count() == 1 and Submission.objects.count() == 1


@pytest.mark.django_db
def test_task_follows_the_referral_and_polling_by_last_updated(
    client, gp_system, team_lead, link_worker
):
    from django.utils import timezone

    api, token = gp_system
    created = post(client, token, EXAMPLE).json()
    referral = Referral.objects.get()
    before = timezone.now().isoformat().replace("+00:00", "Z")
    referral = factories.allocate(
        __import__("referrals.actions", fromlist=["accept_referral"]).accept_referral(
            by=team_lead, referral=referral, version=referral.version
        ),
        by=team_lead,
        worker=link_worker,
    )
    assert get(client, token, f"/Task/{referral.pk}").json()["status"] == "accepted"
    factories.contact(referral, by=link_worker)
    polled = get(client, token, "/Task", requester="Y90001", _lastUpdated=f"gt{before}").json()
    Bundle.model_validate(polled)
    assert polled["total"] == 1 and polled["entry"][0]["resource"]["status"] == "in-progress"
    assert get(client, token, "/Task", _lastUpdated="gt2999-01-01T00:00:00Z").json()["total"] == 0
    assert created["entry"][1]["resource"]["id"] == str(referral.pk)


BAD = [
    # (what to change, status, issue code, expression)
    (lambda r: r["contained"][0]["identifier"][0].update(value="9449305553"), 422, "value",
     "ServiceRequest.contained[0].identifier[0].value"),
    (lambda r: r["contained"][1]["organization"]["identifier"].update(value="Z99999"), 422,
     "business-rule", "ServiceRequest.requester"),
    (lambda r: r.pop("supportingInfo"), 422, "required", "ServiceRequest.supportingInfo"),
    (lambda r: r["contained"][2].update(status="rejected"), 422, "business-rule",
     "ServiceRequest.contained[2].status"),
    (lambda r: r.pop("identifier"), 422, "required", "ServiceRequest.identifier"),
    (lambda r: r.pop("reasonCode"), 422, "required", "ServiceRequest.reasonCode"),
    (lambda r: r["contained"][0].update(birthDate="2099-01-01"), 422, "value",
     "ServiceRequest.contained[0].birthDate"),
    (lambda r: r["contained"][0].update(birthDate="14/03/1948"), 422, "invalid",
     "ServiceRequest.contained[0].birthDate"),
    (lambda r: r["contained"][0]["address"][0].update(postalCode="NOWHERE"), 422, "value",
     "ServiceRequest.contained[0].address[0].postalCode"),
    (lambda r: r["contained"][0].pop("telecom"), 422, "required",
     "ServiceRequest.contained[0].telecom"),
    (lambda r: r.update(subject={"reference": "Patient/123"}), 422, "not-supported",
     "ServiceRequest.subject.reference"),
    (lambda r: r.update(resourceType="Patient"), 422, "not-supported", "resourceType"),
    (lambda r: r.pop("resourceType"), 400, "required", "resourceType"),
    (lambda r: r.update(intent="plan"), 422, "value", "ServiceRequest.intent"),
    (lambda r: r.update(status="banana"), 422, "value", "ServiceRequest.status"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "status", "code", "expression"), BAD)
def test_each_bad_input_gets_a_precise_operation_outcome(
    client, gp_system, change, status, code, expression
):
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    change(body)
    response = post(client, token, body)
    assert response.status_code == status, response.content
    found = issues(response)
    assert (code, expression) in [(c, e) for c, e, _ in found], found
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_several_problems_are_named_together(client, gp_system):
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    body.pop("reasonCode")
    body["contained"][0]["identifier"][0]["value"] = "1234567890"
    expressions = {e for _, e, _ in issues(post(client, token, body))}
    assert {
        "ServiceRequest.reasonCode",
        "ServiceRequest.contained[0].identifier[0].value",
    } <= expressions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", FHIR, 400, "structure"),
        (json.dumps(EXAMPLE), "text/plain", 415, "not-supported"),
        ("[1, 2]", FHIR, 400, "structure"),
        (b"\xff\xfe", FHIR, 400, "structure"),
    ],
)
def test_malformed_bodies(client, gp_system, body, content_type, status, code):
    api, token = gp_system
    response = post(client, token, body, content_type=content_type)
    assert response.status_code == status and issues(response)[0][0] == code


@pytest.mark.django_db
def test_a_duplicate_open_referral_is_a_conflict(client, gp_system):
    api, token = gp_system
    post(client, token, EXAMPLE)
    other = copy.deepcopy(EXAMPLE)
    other["identifier"][0]["value"] = "REF-2026-000124"
    response = post(client, token, other)
    assert response.status_code == 409 and issues(response)[0][0] == "duplicate"


@pytest.mark.django_db
def test_unknown_resources_and_methods(client, gp_system):
    api, token = gp_system
    assert client.get(f"{BASE}/Observation/1").status_code == 404
    assert issues(client.get(f"{BASE}/Observation/1"))[0][0] == "not-supported"
    response = client.delete(f"{BASE}/ServiceRequest", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert get(client, token, "/Task/not-a-uuid").status_code == 404
    bad = get(client, token, "/Task", _lastUpdated="yesterday", _count="many", colour="red")
    assert bad.status_code == 400 and {e for _, e, _ in issues(bad)} == {
        "_lastUpdated", "_count", "colour",
    }  # fmt: skip


# Who may do what


@pytest.mark.django_db
def test_no_token_bad_token_revoked_token(client, gp_system):
    api, token = gp_system
    assert client.post(f"{BASE}/ServiceRequest", data="{}", content_type=FHIR).status_code == 401
    assert post(client, "lwk_wrong_token_entirely", EXAMPLE).status_code == 401
    revoke_api_client(by=None, client=api)
    response = post(client, token, EXAMPLE)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_scopes_are_enforced(client, practice_y, service):
    _, read_only = create_api_client(
        by=None, organisation=practice_y, name="Reader", scopes=[Scope.READ_TASKS]
    )
    _, write_only = create_api_client(
        by=None, organisation=practice_y, name="Writer", scopes=[Scope.CREATE_REFERRALS]
    )
    assert post(client, read_only, EXAMPLE).status_code == 403
    created = post(client, write_only, EXAMPLE)
    assert created.status_code == 201
    referral = Referral.objects.get()
    assert get(client, write_only, f"/Task/{referral.pk}").status_code == 403
    assert get(client, read_only, f"/Task/{referral.pk}").status_code == 200


@pytest.mark.django_db
def test_a_client_sees_only_its_own_organisations_referrals(client, gp_system, area, referrer):
    api, token = gp_system
    other_practice = factories.practice(area=area)
    _, other_token = create_api_client(
        by=None, organisation=other_practice, name="Other", scopes=list(Scope.values)
    )
    post(client, token, EXAMPLE)
    theirs = Referral.objects.get()
    web_form = factories.referral(by=referrer, service=theirs.service)  # another practice's
    assert get(client, other_token, f"/Task/{theirs.pk}").status_code == 404
    assert get(client, other_token, f"/ServiceRequest/{theirs.pk}").status_code == 404
    assert get(client, other_token, "/Task").json()["total"] == 0
    assert get(client, other_token, "/Task", requester="Y90001").json()["total"] == 0
    assert get(client, token, f"/Task/{web_form.pk}").status_code == 404
    # It cannot refer on another practice's behalf either.
    assert post(client, other_token, EXAMPLE).status_code == 422


@pytest.mark.django_db
def test_capability_statement_lists_what_is_supported(client):
    body = client.get(f"{BASE}/metadata").json()
    CapabilityStatement.model_validate(body)
    resources = {
        r["type"]: [i["code"] for i in r["interaction"]] for r in body["rest"][0]["resource"]
    }
    assert resources == {
        "ServiceRequest": ["create", "read"],
        "Task": ["read", "search-type"],
        "Bundle": ["read"],
    }


@pytest.mark.django_db
def test_api_client_command_prints_a_token_once(practice_y):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_client", "y90001", "--name", "SystmOne", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    from api.fhir.models import ApiClient

    client = ApiClient.objects.get()
    assert token.startswith("lwk_") and client.token_hash == ApiClient.hash(token)
    assert token not in json.dumps(list(ApiClient.objects.values()), default=str)


# Concurrent retries, against a live server (threads, real connections)


@pytest.mark.django_db(transaction=True)
def test_identical_requests_at_the_same_moment_make_one_referral(live_server, gp_system):
    import urllib.request

    api, token = gp_system
    barrier = threading.Barrier(4)
    statuses = []

    def send():
        request = urllib.request.Request(
            f"{live_server.url}{BASE}/ServiceRequest",
            data=json.dumps(EXAMPLE).encode(),
            headers={"Content-Type": FHIR, "Authorization": f"Bearer {token}"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append((response.status, response.headers["Location"]))
        except urllib.error.HTTPError as error:
            statuses.append((error.code, error.read().decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(s for s, _ in statuses) == [200, 200, 200, 201], statuses
    assert len({location for _, location in statuses}) == 1
    assert Referral.objects.count() == 1 and Submission.objects.count() == 1


@pytest.mark.django_db
def test_a_search_records_every_person_returned(client, gp_system, practice_y, service):
    from core.models import AuditEvent

    api, token = gp_system
    gp = factories.user(organisation=practice_y, role="referrer")
    mine = [factories.referral(by=gp, service=service) for _ in range(3)]
    assert get(client, token, "/Task", _count="2").json()["total"] == 3
    event = AuditEvent.objects.filter(verb="fhir_search_tasks").latest("id")
    shown = set(event.people.values_list("person_id", flat=True))
    assert len(shown) == 2 and shown <= {r.person_id for r in mine}
    assert event.detail["api_client"] == str(api.pk)
