"""Issue 15 ("proven at scale"): a ServiceRequest POST makes at most 12 queries (SAVEPOINT and
RELEASE included: in production they are BEGIN and COMMIT) once the process is warm, for a
new person, a known one, one without an NHS number and someone another practice already
referred; the first POST in a process pays three more, once (the reason map, the bank
holidays, the client's last use). What it answers and writes is what it was before: the
answer built from what was just written equals a read back, both audit rows and the
timeline events are there, and the shortcuts (no identifier look-up first, no reference
check before the insert, the cached reason map, last use written once a minute) still give
the right answer when they are not enough."""

import copy
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.fhir import reasons
from api.fhir.actions import TOUCH_SECONDS, revoke_api_client
from api.fhir.mappers import NEEDS_SYSTEM, SNOMED
from api.fhir.models import ApiClient, ReasonMapping, Submission
from api.fhir.tests.test_fhir_api import (  # noqa: F401 - fixtures
    EXAMPLE,
    get,
    gp_system,
    post,
    practice_y,
)
from core import working_days
from core.ids import uuid7
from core.models import AuditEvent
from referrals import references
from referrals.actions import decline_referral
from referrals.models import Need, Person, Referral, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db

BUDGET = 12
# The first POST in a process also reads the reason map and the bank holidays (each kept
# for minutes), and a client unused for a minute has its last use written.
COLD = 3


@pytest.fixture
def warm(gp_system):  # noqa: F811
    """A process that has answered before, and a client in use (as under load)."""
    reasons.reason_map()
    working_days.holidays()
    api, token = gp_system
    ApiClient.objects.filter(pk=api.pk).update(last_used_at=timezone.now())
    return token


def body(identifier, *, nhs_number=None, family="Fenton", codes=None):
    sent = copy.deepcopy(EXAMPLE)
    sent["identifier"][0]["value"] = identifier
    patient = sent["contained"][0]
    if nhs_number is None:
        patient.pop("identifier")
    else:
        patient["identifier"][0]["value"] = nhs_number
    patient["name"][0]["family"] = family
    if codes is not None:
        sent["reasonCode"] = [{"coding": [{"system": s, "code": c}]} for s, c in codes]
    return sent


def counted(client, token, sent):
    with CaptureQueriesContext(connection) as captured:
        response = post(client, token, sent)
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_new_persons_referral_takes_at_most_12_queries(
    client, warm, django_assert_max_num_queries
):
    with django_assert_max_num_queries(BUDGET):
        response = post(client, warm, EXAMPLE)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.person.nhs_number == "9449305552" and referral.source == "fhir"
    assert {n.code for n in referral.needs.all()} == {"loneliness", "bereavement"}
    assert referral.fhir_submission.identifier_value == "REF-2026-000123"
    # Both audit rows, about the person; the timeline's first event, with its concept.
    verbs = AuditEvent.objects.filter(object_id=str(referral.pk), person_id=referral.person_id)
    assert sorted(verbs.values_list("verb", flat=True)) == [
        "create_referral",
        "receive_fhir_service_request",
    ]
    event = ReferralEvent.objects.get(referral=referral)
    assert event.kind == ReferralEvent.Kind.RECEIVED and event.detail
    assert event.concept is not None and event.concept.key == "referral-to-social-prescribing"


def test_a_second_post_by_one_client_and_a_cold_first(client, gp_system):  # noqa: F811
    reasons.forget()
    working_days.forget_holidays()
    api, token = gp_system
    first, cold = counted(client, token, EXAMPLE)
    assert first.status_code == 201, first.content
    assert len(cold) <= BUDGET + COLD, "\n".join(cold)
    assert sum(q.startswith('UPDATE "fhir_apiclient"') for q in cold) == 1
    second, warm = counted(client, token, body("REF-2", nhs_number=factories.valid_nhs_number()))
    assert second.status_code == 201, second.content
    assert len(warm) <= BUDGET, "\n".join(warm)
    # Nothing read again that the process holds, and the last use not written again.
    assert not [q for q in warm if "fhir_reasonmapping" in q or "core_bankholiday" in q]
    assert not [q for q in warm if q.startswith('UPDATE "fhir_apiclient"')]
    assert Referral.objects.count() == 2


def test_a_known_person_and_one_without_an_nhs_number(client, warm, referrer, service):
    # Known to the area (referred before), with no open referral now.
    known = factories.valid_nhs_number()
    Person.objects.create(
        area=service.area,
        nhs_number=known,
        given_name="Margaret",
        family_name="Fenton",
        date_of_birth="1948-03-14",
        postcode="NN1 5BD",
        phone="07700900111",
    )
    response, queries = counted(client, warm, body("REF-K", nhs_number=known))
    assert response.status_code == 201, response.content
    assert len(queries) <= BUDGET, "\n".join(queries)
    person = Person.objects.get(nhs_number=known)
    assert person.phone == "07700900461"  # the newest referral's details
    assert Referral.objects.get(fhir_submission__identifier_value="REF-K").person == person

    response, queries = counted(client, warm, body("REF-N", nhs_number=None, family="Okafor"))
    assert response.status_code == 201, response.content
    assert len(queries) <= BUDGET, "\n".join(queries)
    made = Referral.objects.get(fhir_submission__identifier_value="REF-N")
    assert made.person.family_name == "Okafor" and made.person.nhs_number == ""


def test_someone_another_practice_referred_is_taken_within_the_budget(
    client, warm, referrer, service
):
    episode = factories.referral(
        by=referrer,
        service=service,
        person=factories.PersonDetailsFactory(nhs_number="9449305552"),
    )
    response, queries = counted(client, warm, EXAMPLE)
    assert response.status_code == 201, response.content
    assert len(queries) <= BUDGET, "\n".join(queries)
    held = Referral.objects.get(fhir_submission__isnull=False)
    assert held.possible_duplicate_of == episode and held.nhs_number == "9449305552"
    assert held.person != episode.person
    again = ReferralEvent.objects.get(referral=episode, kind=ReferralEvent.Kind.REFERRED_AGAIN)
    assert "waiting at triage" in again.summary


def test_the_answer_built_from_what_was_written_equals_a_read_back(client, warm):
    response = post(client, warm, EXAMPLE)
    assert response.status_code == 201
    service_request, task = (e["resource"] for e in response.json()["entry"])
    assert get(client, warm, f"/ServiceRequest/{service_request['id']}").json() == service_request
    assert get(client, warm, f"/Task/{task['id']}").json() == task


def test_a_retry_is_found_without_looking_the_identifier_up_first(client, warm, team_lead):
    first = post(client, warm, EXAMPLE)
    with CaptureQueriesContext(connection) as captured:
        again = post(client, warm, EXAMPLE)
    assert again.status_code == 200 and again["Location"] == first["Location"]
    assert len(captured.captured_queries) <= BUDGET
    # Their referral closed since: a new one would be taken, but the identifier decides.
    referral = Referral.objects.get()
    decline_referral(by=team_lead, referral=referral, version=referral.version, reason="duplicate")
    later = post(client, warm, EXAMPLE)
    assert later.status_code == 200 and later["Location"] == first["Location"]
    assert Referral.objects.count() == 1 and Submission.objects.count() == 1
    assert later.json()["entry"][0]["resource"]["status"] == "completed"


def test_a_reference_already_taken_is_drawn_again(client, warm, referrer, service, monkeypatch):
    """No check before the insert: the unique constraint decides, and the second attempt
    checks each draw."""
    taken = factories.referral(by=referrer, service=service)
    clash = uuid.UUID(int=uuid7().int >> 40 << 40 | taken.pk.int & ((1 << 40) - 1))
    draws = iter([clash])
    monkeypatch.setattr(references, "uuid7", lambda: next(draws, None) or uuid7())
    response = post(client, warm, EXAMPLE)
    assert response.status_code == 201, response.content
    made = Referral.objects.get(fhir_submission__isnull=False)
    assert made.reference != taken.reference and made.pk != clash
    assert Person.objects.filter(nhs_number="9449305552").count() == 1


def test_a_reason_mapping_added_in_the_process_is_used_at_once(client, warm):
    assert (SNOMED, "73595000") not in reasons.reason_map()  # Stress (finding): not mapped
    ReasonMapping.objects.create(
        system=SNOMED, code="73595000", display="Stress", need=Need.objects.get(code="anxiety")
    )
    response = post(
        client, warm, body("REF-S", nhs_number="9449305552", codes=[(SNOMED, "73595000")])
    )
    assert response.status_code == 201, response.content
    assert [n.code for n in Referral.objects.get().needs.all()] == ["anxiety"]


def test_an_unmapped_reason_becomes_other_without_a_query(client, warm):
    sent = body("REF-O", nhs_number="9449305552", codes=[(SNOMED, "1")])
    sent["reasonCode"][0]["text"] = "Something nobody coded"
    response, queries = counted(client, warm, sent)
    assert response.status_code == 201, response.content
    assert not [q for q in queries if "referrals_need" in q and q.startswith("SELECT")]
    referral = Referral.objects.get()
    assert [n.code for n in referral.needs.all()] == ["other"]
    assert "Something nobody coded" in referral.context
    assert (NEEDS_SYSTEM, "other") in reasons.reason_map()


def test_last_use_written_once_a_minute_never_when_revoked(client, gp_system):  # noqa: F811
    api, token = gp_system
    long_ago = timezone.now() - timedelta(seconds=TOUCH_SECONDS + 5)
    ApiClient.objects.filter(pk=api.pk).update(last_used_at=long_ago)
    get(client, token, "/Task")
    api.refresh_from_db()
    assert api.last_used_at > long_ago
    recent = api.last_used_at
    get(client, token, "/Task")
    api.refresh_from_db()
    assert api.last_used_at == recent  # within the minute: not written again
    ApiClient.objects.filter(pk=api.pk).update(last_used_at=long_ago)
    revoke_api_client(by=None, client=api)
    response = post(client, token, EXAMPLE)
    assert response.status_code == 401
    api.refresh_from_db()
    assert api.last_used_at == long_ago and not Referral.objects.exists()
