"""Property-based fuzzing of the FHIR API from its OpenAPI description (schemathesis):
whatever arrives, the answer is never a 5xx. Bounded in examples so CI stays quick."""

import pytest
import schemathesis
from django.test import RequestFactory
from hypothesis import HealthCheck, settings

from api.fhir import capability

pytestmark = pytest.mark.django_db(transaction=True)

schema = schemathesis.openapi.from_dict(
    capability.openapi(RequestFactory().get("/", HTTP_HOST="127.0.0.1"))
)


@pytest.fixture
def token(area, practice):
    from api.fhir.actions import create_api_client
    from api.fhir.models import Scope
    from tests import factories

    factories.service(area=area)
    _, token = create_api_client(
        by=None, organisation=practice, name="Fuzzer", scopes=list(Scope.values)
    )
    return token


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_makes_the_api_fail(case, live_server, token):
    response = case.call(
        base_url=f"{live_server.url}/api/fhir", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/"), (
        case.method,
        case.path,
        response.status_code,
        dict(response.headers),
    )
