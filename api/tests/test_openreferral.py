"""The Open Referral UK API, checked against the official HSDS 3.0 JSON schemas."""

import functools
import gzip
import hashlib
import json
import math
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from directory.models import Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from geography.lookup import EARTH_RADIUS_KM, locate
from tests import factories

pytestmark = pytest.mark.django_db

# The official schemas, vendored unmodified (see its README for source, commit and licence).
HSDS = Path(__file__).resolve().parents[1] / "openreferral" / "hsds-3.0"
SCHEMAS = HSDS / "schema"
BASE = "/api/openreferral"


def schema_bytes(name):
    """The upstream file's bytes; the three large compiled schemas are stored gzipped."""
    path = SCHEMAS / name
    if path.exists():
        return path.read_bytes()
    return gzip.decompress(path.with_name(path.name + ".gz").read_bytes())


@functools.cache  # the compiled schemas are megabytes: parse each once per run
def schema(name):
    return json.loads(schema_bytes(name))


def assert_valid(instance, schema_name):
    validator = Draft202012Validator(schema(schema_name), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def assert_page(body, item_schema):
    for key, kind in [
        ("total_items", int),
        ("total_pages", int),
        ("page_number", int),
        ("size", int),
        ("first_page", bool),
        ("last_page", bool),
        ("empty", bool),
        ("contents", list),
    ]:
        assert isinstance(body[key], kind), key
    for item in body["contents"]:
        assert_valid(item, item_schema)


@pytest.fixture
def listings(area):
    cafe = factories.activity(area=area, name="Happy Cafe", capacity=3, maximum=10, wheelchair=True)
    walk = factories.activity(
        area=area, name="Walking group", needs=("physical-activity",), latitude=52.2, amount="2.50"
    )
    return cafe, walk


def test_root(client):
    body = client.get(f"{BASE}/").json()
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "http://testserver/api/openreferral/openapi.json"
    described = client.get(body["openapi_url"]).json()
    assert {"/api/openreferral/services", "/api/openreferral/organizations"} <= set(
        described["paths"]
    )


def test_organizations_list_and_one_with_its_services(client, listings, area):
    cafe, walk = listings
    hidden = factories.activity(area=area, name="Hidden club")
    Service.objects.filter(pk=hidden.pk).update(published=False)
    body = client.get(f"{BASE}/organizations").json()
    assert_page(body, "compiled/organization_list.json")
    assert body["total_items"] == 2  # the hidden club's organisation has nothing public
    one = client.get(f"{BASE}/organizations/{cafe.organization_id}").json()
    assert_valid(one, "compiled/organization.json")
    assert [s["name"] for s in one["services"]] == ["Happy Cafe"]
    assert client.get(f"{BASE}/organizations/{hidden.organization_id}").status_code == 404
    assert client.get(f"{BASE}/organizations", {"search": "walking"}).json()["total_items"] == 1
    assert client.get(f"{BASE}/organizations/nope").status_code == 400


def test_services_list_paginated_and_valid(client, listings):
    response = client.get(f"{BASE}/services", {"per_page": 1})
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["total_items"] == 2 and body["total_pages"] == 2 and body["size"] == 1
    assert body["first_page"] and not body["last_page"] and not body["empty"]
    assert_page(body, "compiled/service_list.json")
    second = client.get(f"{BASE}/services", {"per_page": 1, "page": 2}).json()
    assert second["last_page"] and second["contents"][0]["id"] != body["contents"][0]["id"]


def test_service_fully_nested_and_valid(client, listings):
    cafe, _ = listings
    body = client.get(f"{BASE}/services/{cafe.pk}").json()
    assert_valid(body, "compiled/service.json")
    assert body["id"] == str(cafe.pk)
    assert body["schedules"][0]["byday"] == "TU" and body["schedules"][0]["opens_at"] == "10:00"
    assert body["service_at_locations"][0]["location"]["latitude"] == 52.13
    assert body["attributes"][0]["taxonomy_term"]["code"] == "loneliness"
    assert body["capacities"][0]["available"] == 3
    assert body["cost_options"][0]["amount"] == 0


def test_services_filters(client, listings):
    cafe, walk = listings
    term = TaxonomyTerm.objects.get(code="physical-activity")
    names = lambda r: [s["name"] for s in r.json()["contents"]]  # noqa: E731
    assert names(client.get(f"{BASE}/services", {"taxonomy_term_id": term.pk})) == ["Walking group"]
    assert names(client.get(f"{BASE}/services", {"search": "walking"})) == ["Walking group"]
    assert names(client.get(f"{BASE}/services", {"organization_id": cafe.organization_id})) == [
        "Happy Cafe"
    ]
    assert client.get(f"{BASE}/services", {"modified_after": "2999-01-01T00:00:00Z"}).json()[
        "empty"
    ]


def test_service_at_locations_by_postcode_nearest_first(client, listings):
    body = client.get(
        f"{BASE}/service_at_locations", {"postcode": "NN12 6AB", "proximity": "20000"}
    ).json()
    assert_page(body, "compiled/service_at_location_list.json")
    assert [c["service"]["name"] for c in body["contents"]] == ["Happy Cafe", "Walking group"]
    near = client.get(f"{BASE}/service_at_locations", {"postcode": "NN12", "proximity": "2000"})
    assert near.json()["total_items"] == 1
    one = ServiceAtLocation.objects.first()
    detail = client.get(f"{BASE}/service_at_locations/{one.pk}").json()
    assert_valid(detail, "compiled/service_at_location.json")


def test_vendored_schemas_are_the_upstream_files():
    """The copy under api/openreferral/hsds-3.0 is byte-for-byte upstream (see its README)."""
    sums = (HSDS / "SHA256SUMS").read_text().split("\n")
    listed = dict(reversed(line.split()) for line in sums if line.strip())
    assert len(listed) == 28 and "compiled/service.json" in listed
    for name, digest in listed.items():
        assert hashlib.sha256(schema_bytes(name)).hexdigest() == digest, name


def test_schemas_are_in_the_project_so_the_contract_tests_never_skip():
    assert SCHEMAS.is_relative_to(Path(__file__).resolve().parents[2])
    assert schema("compiled/service.json")["name"] == "service"


def near_postcode(area, name, km):
    """A listing `km` due north of the postcode's centroid."""
    place = locate("NN12 6AB")
    north = place.latitude + math.degrees(km / EARTH_RADIUS_KM)
    return factories.activity(area=area, name=name, latitude=north, longitude=place.longitude)


def test_proximity_is_in_metres_as_hsds_says(client, area):
    # The standard's own words: proximity is "within meters from the centroid of the postcode".
    described = schema("openapi.json")["components"]["parameters"]["proximity"]["description"]
    assert "meters" in described
    near_postcode(area, "At 4 km", 4.0)
    near_postcode(area, "At 6 km", 6.0)

    def names(proximity):
        response = client.get(
            f"{BASE}/service_at_locations", {"postcode": "NN12 6AB", "proximity": proximity}
        )
        assert response.status_code == 200, response.json()
        assert_page(response.json(), "compiled/service_at_location_list.json")
        return [c["service"]["name"] for c in response.json()["contents"]]

    assert names("5000") == ["At 4 km"]  # 5 km: the one at 6 km is left out
    assert names("6500") == ["At 4 km", "At 6 km"]
    assert names("100000") == ["At 4 km", "At 6 km"]
    assert names("3999") == []
    assert names("") == ["At 4 km", "At 6 km"]  # default 10,000 m


@pytest.mark.parametrize("value", ["100001", "0", "-5000", "5km", "nan"])
def test_proximity_out_of_range_or_not_metres_is_400_saying_so(client, db, value):
    response = client.get(
        f"{BASE}/service_at_locations", {"postcode": "NN12 6AB", "proximity": value}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["parameter"] == "proximity" and "metres" in error["message"]


def test_own_openapi_says_proximity_is_in_metres(client, db):
    described = client.get(f"{BASE}/openapi.json").json()
    parameters = described["paths"]["/api/openreferral/service_at_locations"]["get"]["parameters"]
    [proximity] = [p for p in parameters if p["name"] == "proximity"]
    assert "Metres" in proximity["description"]


def test_taxonomies_and_terms(client, db):
    body = client.get(f"{BASE}/taxonomies").json()
    assert_page(body, "taxonomy.json")
    tax = Taxonomy.objects.get(name="linkwork-needs")
    assert client.get(f"{BASE}/taxonomies/{tax.pk}").json()["name"] == "linkwork-needs"
    terms = client.get(f"{BASE}/taxonomy_terms", {"taxonomy_id": tax.pk}).json()
    assert_page(terms, "taxonomy_term.json")
    assert terms["total_items"] == tax.terms.count()


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/services", {"page": "0"}, "page"),
        ("/services", {"per_page": "1000"}, "per_page"),
        ("/services", {"taxonomy_term_id": "nope"}, "taxonomy_term_id"),
        ("/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/service_at_locations", {"postcode": "XX"}, "postcode"),
        ("/service_at_locations", {"proximity": "5"}, "proximity"),
        ("/services/not-a-uuid", {}, "id"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, db, url, params, parameter):
    response = client.get(f"{BASE}{url}", params)
    assert response.status_code == 400
    assert parameter in [e["parameter"] for e in response.json()["errors"]]


def test_unknown_or_hidden_service_is_404(client, listings):
    cafe, _ = listings
    Service.objects.filter(pk=cafe.pk).update(published=False)
    assert client.get(f"{BASE}/services/{cafe.pk}").status_code == 404
    assert client.get(f"{BASE}/services/{factories.uuid7()}").status_code == 404


def test_service_detail_queries_constant(client, area, django_assert_max_num_queries):
    cafe = factories.activity(area=area, name="Cafe")
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/services/{cafe.pk}")
