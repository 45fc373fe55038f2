"""linkwork's own JSON API, version 1.

Versioning policy: paths carry the major version (/api/v1/). Within a version we only add
(new endpoints, new optional parameters, new response fields); anything that would break a
client goes into /api/v2/, and v1 keeps working for at least 12 months after v2 ships.
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError

from api.params import BadParameters, Params
from directory.search import DAYS, search
from directory.search import Query as SearchQuery
from geography.lookup import PostcodeError, locate
from referrals.models import Need

api = NinjaAPI(title="linkwork API", version="1", urls_namespace="api-v1", description=__doc__)


class SearchResultOut(Schema):
    service_id: str
    name: str
    score: float
    distance_km: float | None
    reasons: list[str]


class SearchOut(Schema):
    results: list[SearchResultOut]
    total: int


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
    summary="Search and match community activities",
    description="Ranked activities with the reasons for each. `service_id` is the Open "
    "Referral service id. Bad parameters give 400 naming each one.",
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
):
    p = Params()
    known = set(Need.objects.filter(active=True).values_list("code", flat=True))
    for code in needs:
        if code not in known:
            p.fail("needs", f"unknown need {code!r}; use one of {', '.join(sorted(known))}")
    latitude = p.number("lat", lat, low=-90, high=90)
    longitude = p.number("lon", lon, low=-180, high=180)
    if (latitude is None) != (longitude is None) and not p.errors:
        p.fail("lat" if latitude is None else "lon", "give lat and lon together")
    if postcode:
        if latitude is not None:
            p.fail("postcode", "give a postcode or lat/lon, not both")
        else:
            try:
                place = locate(postcode)
                latitude, longitude = place.latitude, place.longitude
            except PostcodeError as error:
                p.fail("postcode", str(error))
    day_list = [d.strip().lower() for d in (days or "").split(",") if d.strip()]
    for day in day_list:
        if day not in DAYS:
            p.fail("days", f"{day!r} is not a day; use {','.join(DAYS)}")
    start, end = p.clock("from", from_), p.clock("to", to)
    if start and end and start >= end:
        p.fail("to", "must be after from")
    query = SearchQuery(
        needs=needs,
        text=q[:200],
        latitude=latitude,
        longitude=longitude,
        radius_km=p.number("radius_km", radius_km, low=0.1, high=50, default=10.0),
        days=day_list,
        from_time=start,
        to_time=end,
        free_only=p.boolean("free_only", free_only),
        wheelchair=p.boolean("wheelchair", wheelchair),
        age=p.number("age", age, low=0, high=120, whole=True),
        limit=p.number("limit", limit, low=1, high=100, whole=True, default=20),
    )
    if not (query.needs or query.text or latitude is not None) and not p.errors:
        p.fail("q", "give at least one of q, needs, postcode or lat/lon")
    p.check()
    result = search(query)
    return {
        "results": [
            {
                "service_id": str(m.service_id),
                "name": m.name,
                "score": m.score,
                "distance_km": m.distance_km,
                "reasons": m.reasons,
            }
            for m in result.matches
        ],
        "total": result.total,
    }
