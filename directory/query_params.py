"""The search's parameters, by the API's names, into a `directory.search.Query`.

One parser for the JSON API (`api/v1.py`) and the judged sets (`directory.evaluation`), so
that a case in a judgement file means exactly what the same parameters mean to the API.
Problems are collected and raised together (`api.params.BadParameters`), each naming its
parameter."""

from collections.abc import Mapping

from api.params import Params
from directory.constraints import ELIGIBILITY_GROUPS
from directory.search import DAYS, Query
from geography.lookup import PostcodeError, locate
from referrals.models import Need

SEXES = ("female", "male")
MAX_TEXT = 200


def parse_query(values: Mapping) -> Query:
    """`values` holds the API's parameters as the query string gives them: strings, and
    lists for the repeatable `needs` and `groups`. Absent or empty means not given."""
    p = Params()
    needs = list(values.get("needs") or [])
    known = set(Need.objects.filter(active=True).values_list("code", flat=True))
    for code in needs:
        if code not in known:
            p.fail("needs", f"unknown need {code!r}; use one of {', '.join(sorted(known))}")
    latitude = p.number("lat", values.get("lat"), low=-90, high=90)
    longitude = p.number("lon", values.get("lon"), low=-180, high=180)
    if (latitude is None) != (longitude is None) and not p.errors:
        p.fail("lat" if latitude is None else "lon", "give lat and lon together")
    postcode = values.get("postcode")
    if postcode:
        if latitude is not None:
            p.fail("postcode", "give a postcode or lat/lon, not both")
        else:
            try:
                place = locate(postcode)
                latitude, longitude = place.latitude, place.longitude
            except PostcodeError as error:
                p.fail("postcode", str(error))
    day_list = [d.strip().lower() for d in (values.get("days") or "").split(",") if d.strip()]
    for day in day_list:
        if day not in DAYS:
            p.fail("days", f"{day!r} is not a day; use {','.join(DAYS)}")
    start, end = p.clock("from", values.get("from")), p.clock("to", values.get("to"))
    if start and end and start >= end:
        p.fail("to", "must be after from")
    query = Query(
        needs=needs,
        text=(values.get("q") or "")[:MAX_TEXT],
        latitude=latitude,
        longitude=longitude,
        radius_km=p.number("radius_km", values.get("radius_km"), low=0.1, high=50, default=10.0),
        days=day_list,
        from_time=start,
        to_time=end,
        free_only=p.boolean("free_only", values.get("free_only")),
        wheelchair=p.boolean("wheelchair", values.get("wheelchair")),
        age=p.number("age", values.get("age"), low=0, high=120, whole=True),
        limit=p.number("limit", values.get("limit"), low=1, high=100, whole=True, default=20),
        include_near=p.boolean("include_near", values.get("include_near")),
        sex=_sex(p, values.get("sex")),
        groups=_groups(p, values.get("groups")),
    )
    if not (query.needs or query.text or latitude is not None) and not p.errors:
        p.fail("q", "give at least one of q, needs, postcode or lat/lon")
    p.check()
    return query


def _sex(p: Params, value) -> str | None:
    if value in (None, ""):
        return None
    if value.strip().lower() in SEXES:
        return value.strip().lower()
    p.fail("sex", f"must be {' or '.join(SEXES)}, not {value!r}")
    return None


def _groups(p: Params, values) -> set[str] | None:
    """None when no group is given: membership not known, as on a public search, where
    listings for a group stay in and say who they are for."""
    if not values:
        return None
    groups = set()
    for code in values:
        if code in ELIGIBILITY_GROUPS:
            groups.add(code)
        else:
            p.fail("groups", f"unknown group {code!r}; use one of {', '.join(ELIGIBILITY_GROUPS)}")
    return groups
