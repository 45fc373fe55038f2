"""What one FHIR request may send (issue 13): a body too large is a 413, JSON nested too deep
or lists too long a 400, each an OperationOutcome and never a 500; the reasons for referral
are looked up in one query however many there are."""

import copy
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.fhir import limits
from api.fhir.mappers import parse_service_request
from api.fhir.tests.test_fhir_api import EXAMPLE, gp_system, issues, post, practice_y  # noqa: F401
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def _codings(count):
    return [
        {"coding": [{"system": "http://snomed.info/sct", "code": str(100000 + n)}]}
        for n in range(count)
    ]


def test_a_body_of_10_mb_is_413_without_being_read(client, gp_system):  # noqa: F811
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    body["note"] = [{"text": "x" * (10 * 1024 * 1024)}]
    response = post(client, token, body)
    assert response.status_code == 413, response.content[:300]
    assert issues(response)[0][0] == "too-long"
    assert not Referral.objects.exists()


def test_the_body_limit_comes_from_the_settings(client, gp_system, settings):  # noqa: F811
    api, token = gp_system
    settings.FHIR_MAX_BODY_BYTES = 2000
    assert post(client, token, EXAMPLE).status_code == 413
    settings.FHIR_MAX_BODY_BYTES = 20_000
    assert post(client, token, EXAMPLE).status_code == 201


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
)
def test_json_nested_100000_deep_is_400(client, gp_system, body):  # noqa: F811
    api, token = gp_system
    response = post(client, token, body)
    assert response.status_code == 400, response.content[:300]
    assert issues(response)[0][0] == "too-long"


def test_brackets_inside_strings_do_not_count_as_nesting(client, gp_system):  # noqa: F811
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    body["note"] = [{"text": '[[[[{{{{\\"' * 20 + "]]]]"}]
    response = post(client, token, body)
    assert response.status_code == 201, response.content


def test_40000_reason_codings_are_refused_at_once(client, gp_system):  # noqa: F811
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    body["reasonCode"] = _codings(40_000)
    started = time.monotonic()
    response = post(client, token, body)
    assert response.status_code in (400, 413), response.content[:300]
    assert time.monotonic() - started < 5
    assert not Referral.objects.exists()


def test_more_reason_codings_than_the_limit_are_named(client, gp_system):  # noqa: F811
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    body["reasonCode"] = EXAMPLE["reasonCode"] + _codings(limits.MAX_REASON_CODINGS - 1)
    response = post(client, token, body)
    assert response.status_code == 400, response.content[:300]
    assert ("too-long", "ServiceRequest.reasonCode") in [(c, e) for c, e, _ in issues(response)]
    body["reasonCode"] = EXAMPLE["reasonCode"] + _codings(limits.MAX_REASON_CODINGS - 2)
    assert post(client, token, body).status_code == 201


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        (
            lambda r: r.update(identifier=r["identifier"] * 6),
            "ServiceRequest.identifier",
        ),
        (
            lambda r: r.update(contained=r["contained"] * 4),
            "ServiceRequest.contained",
        ),
        (
            lambda r: r["contained"][0].update(telecom=r["contained"][0]["telecom"] * 26),
            "ServiceRequest.contained[0].telecom",
        ),
        (
            lambda r: r["contained"][0]["name"][0].update(given=["Ann"] * 51),
            "ServiceRequest.contained[0].name[0].given",
        ),
    ],
)
def test_every_list_has_a_limit(client, gp_system, change, expression):  # noqa: F811
    api, token = gp_system
    body = copy.deepcopy(EXAMPLE)
    change(body)
    response = post(client, token, body)
    assert response.status_code == 400, response.content[:300]
    assert ("too-long", expression) in [(c, e) for c, e, _ in issues(response)]
    assert not Referral.objects.exists()


def test_reason_codes_are_looked_up_in_one_query(practice_y):  # noqa: F811
    def queries(reasons):
        body = copy.deepcopy(EXAMPLE)
        body["reasonCode"] = reasons
        with CaptureQueriesContext(connection) as captured:
            parse_service_request(body)
        return [q["sql"] for q in captured.captured_queries if "reasonmapping" in q["sql"].lower()]

    assert len(queries(EXAMPLE["reasonCode"] + _codings(limits.MAX_REASON_CODINGS - 2))) == 1
    assert len(queries(EXAMPLE["reasonCode"])) == 1
    incoming = parse_service_request(EXAMPLE)
    assert {n.code for n in incoming.needs} == {"loneliness", "bereavement"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[["}', 1),
        (b"[" * 50 + b"]" * 50, 50),
        (b"", 0),
    ],
)
def test_depth_scan(text, expected):
    assert limits.depth(text) == expected
    if text:
        json.loads(text)
