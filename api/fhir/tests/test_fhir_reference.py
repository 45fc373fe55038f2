"""The referral's reference (issue 14) on the FHIR ServiceRequest, as an identifier with
linkwork's own system, after the referrer's own identifiers as they sent them."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest

from api.fhir.mappers import REFERENCE_SYSTEM
from api.fhir.models import Submission
from api.fhir.tests.test_fhir_api import EXAMPLE, get, gp_system, post, practice_y  # noqa: F401
from referrals.models import Referral
from referrals.references import reference_for
from tests import factories

pytestmark = pytest.mark.django_db


def ours(resource: dict) -> list[str]:
    return [i["value"] for i in resource["identifier"] if i["system"] == REFERENCE_SYSTEM]


def test_a_referral_made_through_fhir_stores_a_reference_and_carries_it(client, gp_system):  # noqa: F811
    _api, token = gp_system
    created = post(client, token, EXAMPLE)
    assert created.status_code == 201
    service_request = created.json()["entry"][0]["resource"]
    Bundle.model_validate(created.json())
    referral = Referral.objects.get(pk=service_request["id"])
    assert referral.source == "fhir"
    assert referral.reference == reference_for(referral.pk)
    assert ours(service_request) == [referral.reference]
    # Their own identifier first, as sent; ours after it.
    assert service_request["identifier"][0] == EXAMPLE["identifier"][0]
    assert service_request["identifier"][-1] == {
        "system": REFERENCE_SYSTEM,
        "value": referral.reference,
    }

    read = get(client, token, f"/ServiceRequest/{referral.pk}").json()
    ServiceRequest.model_validate(read)
    assert ours(read) == [referral.reference]
    # Sent again: the same referral and reference, once.
    again = post(client, token, EXAMPLE).json()["entry"][0]["resource"]
    assert ours(again) == [referral.reference]
    # What they sent is kept as they sent it.
    stored = Submission.objects.get(referral=referral).resource
    assert stored["identifier"] == EXAMPLE["identifier"]


def test_a_referral_from_the_practices_web_form_carries_it_too(
    client,
    gp_system,  # noqa: F811
    practice_y,  # noqa: F811
    service,
):
    _api, token = gp_system
    gp = factories.user(organisation=practice_y, role="referrer")
    referral = factories.referral(by=gp, service=service)
    read = get(client, token, f"/ServiceRequest/{referral.pk}").json()
    ServiceRequest.model_validate(read)
    assert read["identifier"] == [{"system": REFERENCE_SYSTEM, "value": referral.reference}]
