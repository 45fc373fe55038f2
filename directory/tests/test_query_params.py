from datetime import time

import pytest

from api.params import BadParameters
from directory.query_params import ELIGIBILITY_GROUPS, parse_query
from directory.search import Match, Result
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities/search"
AT = {"lat": "52.13", "lon": "-0.99"}


def errors(**values):
    with pytest.raises(BadParameters) as error:
        parse_query(values)
    return [(e["parameter"], e["message"]) for e in error.value.errors]


def test_every_parameter_parsed():
    query = parse_query(
        {
            "q": "choir " * 50,
            "needs": ["loneliness"],
            "postcode": "NN12 6AB",
            "radius_km": "3.5",
            "days": "Mon, tue",
            "from": "09:00",
            "to": "12:30",
            "free_only": "yes",
            "wheelchair": "1",
            "age": "74",
            "limit": "5",
            "include_near": "true",
            "sex": "Female",
            "groups": ["carers", "women"],
        }
    )
    assert len(query.text) == 200 and query.needs == ["loneliness"]
    assert query.latitude == pytest.approx(52.13, abs=0.05) and query.radius_km == 3.5
    assert query.days == ["mon", "tue"]
    assert (query.from_time, query.to_time) == (time(9), time(12, 30))
    assert query.free_only and query.wheelchair and query.include_near
    assert (query.age, query.limit, query.sex) == (74, 5, "female")
    assert query.groups == {"carers", "women"}


def test_defaults():
    query = parse_query({"q": "walk"})
    assert query.latitude is None and query.radius_km == 10.0 and query.limit == 20
    assert not (query.free_only or query.wheelchair or query.include_near)
    assert query.sex is None and query.groups is None  # membership not known
    assert ELIGIBILITY_GROUPS == ("carers", "parents", "men", "women", "veterans", "dementia")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"needs": ["flying"]}, ("needs", "unknown need 'flying'; use one of")),
        ({"lat": "200", "lon": "0"}, ("lat", "must be between -90 and 90")),
        ({"lat": "52", "lon": "x"}, ("lon", "must be a number, not 'x'")),
        ({"lat": "52"}, ("lon", "give lat and lon together")),
        ({"lon": "-1"}, ("lat", "give lat and lon together")),
        ({"postcode": "NN12", **AT}, ("postcode", "give a postcode or lat/lon, not both")),
        ({"postcode": "ZZ99 9ZZ"}, ("postcode", None)),
        ({"days": "mon,funday", **AT}, ("days", "'funday' is not a day; use mon,tue,wed,")),
        ({"from": "25:00", **AT}, ("from", "must be a time like 09:30, not '25:00'")),
        ({"from": "12:00", "to": "09:00", **AT}, ("to", "must be after from")),
        ({"radius_km": "0", **AT}, ("radius_km", "must be between 0.1 and 50")),
        ({"free_only": "maybe", **AT}, ("free_only", "must be true or false, not 'maybe'")),
        ({"wheelchair": "2", **AT}, ("wheelchair", "must be true or false, not '2'")),
        ({"age": "-3", **AT}, ("age", "must be between 0 and 120")),
        ({"age": "3.5", **AT}, ("age", "must be a whole number, not '3.5'")),
        ({"limit": "1000", **AT}, ("limit", "must be between 1 and 100")),
        ({"include_near": "perhaps", **AT}, ("include_near", "must be true or false")),
        ({"sex": "other", **AT}, ("sex", "must be female or male, not 'other'")),
        ({"groups": ["carers", "cats"], **AT}, ("groups", "unknown group 'cats'; use one of")),
        ({}, ("q", "give at least one of q, needs, postcode or lat/lon")),
        ({"q": "", "needs": [], "radius_km": "5"}, ("q", "give at least one of q, needs,")),
    ],
)
def test_each_bad_parameter(values, expected):
    found = errors(**values)
    parameter, message = expected
    assert any(p == parameter and (message is None or m.startswith(message)) for p, m in found), (
        found
    )


def test_problems_are_collected_and_the_empty_query_only_alone():
    found = errors(sex="x", groups=["y"], include_near="z")
    assert [p for p, _ in found] == ["include_near", "sex", "groups"]


# The API


@pytest.fixture
def cafe(area):
    return factories.activity(area=area, name="Cafe", description="Tea and a chat on Tuesdays")


def test_results_carry_description_and_place(client, cafe):
    body = client.get(URL, {"q": "chat", **AT}).json()
    assert body["results"][0]["name"] == "Cafe"
    assert set(body["results"][0]) == {
        "service_id",
        "name",
        "score",
        "distance_km",
        "reasons",
        "description",
    }
    assert "place" in body and "near_misses" not in body


def test_near_misses_only_when_asked(client, cafe):
    body = client.get(URL, {"q": "chat", "include_near": "true", **AT}).json()
    assert isinstance(body["near_misses"], list)
    assert "near_misses" not in client.get(URL, {"q": "chat", "include_near": "false", **AT}).json()


def test_near_miss_and_place_shape(client, cafe, monkeypatch):
    import api.v1

    seen = {}

    def engine(query):
        seen["query"] = query
        match = Match(cafe.pk, "Cafe", 0.5, 1.2, ["about chat"], False, [], "Free", "", "Tea")
        near = Match(cafe.pk, "Cafe", 0.4, 7.0, [], False, [], "Free", "", "Tea", ["6.2 km"])
        return Result([match], 1, [], [near], {"name": "Daventry", "from": "words"})

    monkeypatch.setattr(api.v1, "search", engine)
    body = client.get(
        f"{URL}?q=chat+in+Daventry&include_near=true&sex=male&groups=men&groups=carers"
    ).json()
    assert seen["query"].sex == "male" and seen["query"].groups == {"men", "carers"}
    assert body["place"] == {"name": "Daventry", "from": "words"}
    assert body["results"][0]["description"] == "Tea"
    assert "does_not_fit" not in body["results"][0]
    assert body["near_misses"] == [
        {
            "service_id": str(cafe.pk),
            "name": "Cafe",
            "score": 0.4,
            "distance_km": 7.0,
            "reasons": [],
            "description": "Tea",
            "does_not_fit": ["6.2 km"],
        }
    ]


def test_new_parameters_are_checked_and_documented(client, db):
    response = client.get(URL, {"q": "x", "sex": "n", "groups": "cats", "include_near": "p"})
    assert response.status_code == 400
    assert {e["parameter"] for e in response.json()["errors"]} == {"sex", "groups", "include_near"}
    spec = client.get("/api/v1/openapi.json").json()
    names = {p["name"] for p in spec["paths"][URL]["get"]["parameters"]}
    assert {"include_near", "sex", "groups"} <= names
