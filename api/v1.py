"""linkwork's own JSON API, version 1.

Versioning policy: paths carry the major version (/api/v1/). Within a version we only add
(new endpoints, new optional parameters, new response fields); anything that would break a
client goes into /api/v2/, and v1 keeps working for at least 12 months after v2 ships.
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError

from api.params import BadParameters
from directory.query_params import ELIGIBILITY_GROUPS, parse_query
from directory.search import search

GROUPS_HELP = (
    f"Groups the person is in, repeatable: {', '.join(ELIGIBILITY_GROUPS)}. Given, "
    "activities only for a group they are not in are left out."
)

api = NinjaAPI(title="linkwork API", version="1", urls_namespace="api-v1", description=__doc__)


class SearchResultOut(Schema):
    service_id: str
    name: str
    score: float
    distance_km: float | None
    reasons: list[str]
    description: str


class NearMissOut(SearchResultOut):
    does_not_fit: list[str]


class SearchOut(Schema):
    results: list[SearchResultOut]
    total: int
    place: dict | None = None
    near_misses: list[NearMissOut] | None = None


class ProblemOut(Schema):
    parameter: str
    message: str


class ErrorOut(Schema):
    errors: list[ProblemOut]


@api.exception_handler(BadParameters)
def bad_parameters(request, error: BadParameters):
    return api.create_response(request, {"errors": error.errors}, status=400)


@api.exception_handler(ValidationError)
def invalid(request, error: ValidationError):
    errors = [
        {"parameter": str(e.get("loc", ["?"])[-1]), "message": e.get("msg", "is invalid")}
        for e in error.errors
    ]
    return api.create_response(request, {"errors": errors}, status=400)


@api.get(
    "/activities/search",
    response={200: SearchOut, 400: ErrorOut},
    # `near_misses` is in the response only when asked for.
    exclude_unset=True,
    summary="Search and match community activities",
    description="Ranked activities with the reasons for each. `service_id` is the Open "
    "Referral service id. Bad parameters give 400 naming each one. `place` is the place "
    'searched around when it came from the words ("choir in Daventry": `{"name": '
    '"Daventry", "from": "words", "latitude": 52.26, "longitude": -1.16, "radius_km": 10}`), '
    "else null. With `include_near=true`, `near_misses` lists the nearly "
    "fitting activities after the matches, each with `does_not_fit`.",
)
def activities_search(
    request: HttpRequest,
    q: str = "",
    needs: list[str] = Query([], description="Need codes, repeatable: needs=loneliness"),
    postcode: str | None = Query(None, description="Full postcode or district, e.g. NN12"),
    lat: str | None = None,
    lon: str | None = None,
    radius_km: str | None = Query(None, description="0.1 to 50; default 10"),
    days: str | None = Query(None, description="Days free, e.g. mon,tue"),
    from_: str | None = Query(None, alias="from", description="Free from, HH:MM"),
    to: str | None = Query(None, description="Free until, HH:MM"),
    free_only: str | None = None,
    wheelchair: str | None = None,
    age: str | None = None,
    limit: str | None = Query(None, description="1 to 100; default 20"),
    include_near: str | None = Query(
        None, description="true: also list the nearly fitting activities, apart"
    ),
    sex: str | None = Query(
        None, description="female or male: activities only for the other sex are left out"
    ),
    groups: list[str] = Query(
        [],
        description=GROUPS_HELP,
    ),
):
    query = parse_query(
        {
            "q": q,
            "needs": needs,
            "postcode": postcode,
            "lat": lat,
            "lon": lon,
            "radius_km": radius_km,
            "days": days,
            "from": from_,
            "to": to,
            "free_only": free_only,
            "wheelchair": wheelchair,
            "age": age,
            "limit": limit,
            "include_near": include_near,
            "sex": sex,
            "groups": groups,
        }
    )
    result = search(query)
    body = {
        "results": [_listing(m) for m in result.matches],
        "total": result.total,
        "place": result.place,
    }
    if query.include_near:
        body["near_misses"] = [
            {**_listing(m), "does_not_fit": m.does_not_fit} for m in result.near_misses
        ]
    return body


def _listing(m) -> dict:
    return {
        "service_id": str(m.service_id),
        "name": m.name,
        "score": m.score,
        "distance_km": m.distance_km,
        "reasons": m.reasons,
        "description": m.description,
    }
