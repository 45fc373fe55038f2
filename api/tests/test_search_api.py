import pytest

from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities/search"


@pytest.fixture
def cafes(area):
    near = factories.activity(area=area, name="Near cafe", latitude=52.131, capacity=4, maximum=10)
    far = factories.activity(area=area, name="Far cafe", latitude=52.2)
    return near, far


def test_search_by_postcode_and_needs(client, cafes):
    near, _ = cafes
    response = client.get(
        URL,
        {
            "postcode": "NN12 6AB",
            "needs": "loneliness",
            "days": "tue",
            "from": "09:00",
            "to": "13:00",
            "limit": "5",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["total"] == 2
    first = body["results"][0]
    assert first["service_id"] == str(near.pk) and first["name"] == "Near cafe"
    assert first["distance_km"] < body["results"][1]["distance_km"]
    assert "Tuesdays 10:00–12:00 — you are free" in first["reasons"]
    assert "4 places left" in first["reasons"]


def test_search_by_lat_lon_and_words(client, cafes):
    body = client.get(URL, {"lat": "52.13", "lon": "-0.99", "q": "lonely", "radius_km": "3"}).json()
    assert [r["name"] for r in body["results"]] == ["Near cafe"]


def test_repeatable_needs_and_flags(client, cafes, area):
    factories.activity(area=area, name="Walk", needs=("physical-activity",), wheelchair=True)
    body = client.get(
        f"{URL}?needs=loneliness&needs=physical-activity&wheelchair=true&postcode=NN12"
    ).json()
    assert [r["name"] for r in body["results"]] == ["Walk"]


def test_every_bad_parameter_is_named(client, db):
    response = client.get(
        URL,
        {
            "needs": "flying",
            "lat": "200",
            "lon": "x",
            "radius_km": "0",
            "days": "mon,funday",
            "from": "25:00",
            "free_only": "maybe",
            "age": "-3",
            "limit": "1000",
        },
    )
    assert response.status_code == 400
    named = {e["parameter"] for e in response.json()["errors"]}
    assert named >= {
        "needs",
        "lat",
        "lon",
        "radius_km",
        "days",
        "from",
        "free_only",
        "age",
        "limit",
    }


def test_postcode_errors(client, db):
    response = client.get(URL, {"postcode": "ZZ99 9ZZ"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "postcode"
    both = client.get(URL, {"postcode": "NN12", "lat": "52", "lon": "-1"})
    assert both.json()["errors"][0]["parameter"] == "postcode"


def test_empty_query_refused(client, db):
    response = client.get(URL)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "q"


def test_openapi_description_documents_search(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/activities/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "needs",
        "postcode",
        "lat",
        "lon",
        "radius_km",
        "days",
        "from",
        "to",
        "free_only",
        "wheelchair",
        "age",
        "limit",
    } <= names
    assert "400" in operation["responses"]


def test_api_docs_pages_render(client, db):
    for path in ["/api/v1/docs", "/api/openreferral/docs"]:
        response = client.get(path)
        assert response.status_code == 200 and b"swagger" in response.content.lower()
