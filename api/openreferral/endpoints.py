"""Open Referral UK API (HSDS 3.0): public, no key, CORS *, paginated.

GET /api/openreferral/                      version, profile, openapi_url
GET /api/openreferral/services              search, page, per_page, taxonomy_term_id,
                                            organization_id, modified_after
GET /api/openreferral/services/{id}         fully nested
GET /api/openreferral/organizations         search, page, per_page
GET /api/openreferral/organizations/{id}    with its published services
GET /api/openreferral/taxonomies[/{id}]
GET /api/openreferral/taxonomy_terms[/{id}]
GET /api/openreferral/service_at_locations  postcode, proximity (metres, as HSDS 3.0 says),
                                            page, per_page, taxonomy_term_id
GET /api/openreferral/service_at_locations/{id}
"""

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.urls import reverse
from ninja import NinjaAPI, Query

from api.openreferral import mappers
from api.params import BadParameters, Params
from directory import fulltext
from directory.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from geography.lookup import PostcodeError, bounding_box, distance_km, locate

api = NinjaAPI(
    title="Open Referral UK API", version="3.0", urls_namespace="openreferral", description=__doc__
)
DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 100
# HSDS 3.0 `proximity` is in metres ("Return services that exist within meters from the
# centroid of the provided postcode"); the search geometry below works in kilometres. 100 km is
# far beyond any useful walk or bus ride, and keeps the bounding-box prefilter small.
DEFAULT_PROXIMITY_M, MIN_PROXIMITY_M, MAX_PROXIMITY_M = 10_000, 1, 100_000


@api.exception_handler(BadParameters)
def bad_parameters(request, error: BadParameters):
    return api.create_response(request, {"errors": error.errors}, status=400)


@api.exception_handler(Http404)
def not_found(request, error):
    return api.create_response(
        request, {"errors": [{"parameter": "id", "message": "no such record"}]}, status=404
    )


def _paging(p: Params, page, per_page):
    number = p.number("page", page, low=1, high=10_000_000, whole=True, default=1)
    size = p.number(
        "per_page", per_page, low=1, high=MAX_PER_PAGE, whole=True, default=DEFAULT_PER_PAGE
    )
    return number, size


@api.get("/", summary="About this API")
def root(request):
    return {
        "version": mappers.HSDS_VERSION,
        "profile": mappers.PROFILE_URL,
        # This API's own description (HSDS: "the openapi JSON file which defines this API").
        "openapi_url": request.build_absolute_uri(reverse("openreferral:openapi-json")),
    }


@api.get("/organizations", summary="Organisations that run published services")
def organizations(request, search: str = "", page: str | None = None, per_page: str | None = None):
    p = Params()
    number, size = _paging(p, page, per_page)
    p.check()
    rows = Organization.objects.filter(
        Exists(Service.objects.public().filter(organization_id=OuterRef("id")))
    ).order_by("name", "id")
    if search.strip():
        rows = rows.filter(name__icontains=search.strip())
    contents = [mappers.organization(o) for o in rows[(number - 1) * size : number * size]]
    return mappers.page(contents, total=rows.count(), number=number, per_page=size)


@api.get("/organizations/{id}", summary="One organisation, with its published services")
def organization(request, id: str):
    p = Params()
    pk = p.uuid("id", id)
    p.check()
    found = (
        Organization.objects.filter(pk=pk)
        .prefetch_related(
            Prefetch(
                "services",
                queryset=Service.objects.public().select_related("organization").order_by("name"),
            )
        )
        .first()
    )
    if found is None or not found.services.all():
        raise Http404
    return mappers.organization(found, services=list(found.services.all()))


@api.get("/services", summary="Services (one-to-one fields)")
def services(
    request,
    search: str = "",
    page: str | None = None,
    per_page: str | None = None,
    taxonomy_term_id: str | None = None,
    organization_id: str | None = None,
    modified_after: str | None = None,
):
    p = Params()
    number, size = _paging(p, page, per_page)
    term = p.uuid("taxonomy_term_id", taxonomy_term_id)
    organization = p.uuid("organization_id", organization_id)
    since = p.moment("modified_after", modified_after)
    p.check()
    rows = Service.objects.public().select_related("organization").order_by("name", "id")
    if search.strip():
        rows = rows.filter(id__in=fulltext.matching_service_ids(fulltext.words(search)) or [])
    if term:
        rows = rows.filter(terms__id=term)
    if organization:
        rows = rows.filter(organization_id=organization)
    if since:
        rows = rows.filter(last_modified__gt=since)
    total = rows.count()
    contents = [mappers.service_summary(s) for s in rows[(number - 1) * size : number * size]]
    return mappers.page(contents, total=total, number=number, per_page=size)


@api.get("/services/{id}", summary="One service, fully nested")
def service(request, id: str):
    p = Params()
    pk = p.uuid("id", id)
    p.check()
    queryset = (
        Service.objects.public()
        .select_related("organization")
        .prefetch_related(
            "schedules",
            "cost_options",
            "languages",
            Prefetch("terms", queryset=TaxonomyTerm.objects.select_related("taxonomy")),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location"),
            ),
        )
    )
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return mappers.service(found)


@api.get("/taxonomies", summary="Taxonomies")
def taxonomies(request, page: str | None = None, per_page: str | None = None):
    p = Params()
    number, size = _paging(p, page, per_page)
    p.check()
    rows = Taxonomy.objects.order_by("name")
    contents = [mappers.taxonomy(t) for t in rows[(number - 1) * size : number * size]]
    return mappers.page(contents, total=rows.count(), number=number, per_page=size)


@api.get("/taxonomies/{id}", summary="One taxonomy")
def taxonomy(request, id: str):
    p = Params()
    pk = p.uuid("id", id)
    p.check()
    found = Taxonomy.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return mappers.taxonomy(found)


@api.get("/taxonomy_terms", summary="Taxonomy terms")
def taxonomy_terms(
    request, page: str | None = None, per_page: str | None = None, taxonomy_id: str | None = None
):
    p = Params()
    number, size = _paging(p, page, per_page)
    tax = p.uuid("taxonomy_id", taxonomy_id)
    p.check()
    rows = TaxonomyTerm.objects.select_related("taxonomy").order_by("name", "id")
    if tax:
        rows = rows.filter(taxonomy_id=tax)
    contents = [mappers.taxonomy_term(t) for t in rows[(number - 1) * size : number * size]]
    return mappers.page(contents, total=rows.count(), number=number, per_page=size)


@api.get("/taxonomy_terms/{id}", summary="One taxonomy term")
def taxonomy_term(request, id: str):
    p = Params()
    pk = p.uuid("id", id)
    p.check()
    found = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=pk).first()
    if found is None:
        raise Http404
    return mappers.taxonomy_term(found)


def _proximity_metres(p: Params, value):
    if value in (None, ""):
        return DEFAULT_PROXIMITY_M
    try:
        metres = float(value)
    except ValueError:
        p.fail("proximity", f"must be a distance in metres, like 5000, not {value!r}")
        return DEFAULT_PROXIMITY_M
    if not MIN_PROXIMITY_M <= metres <= MAX_PROXIMITY_M:
        p.fail(
            "proximity",
            f"must be between {MIN_PROXIMITY_M} and {MAX_PROXIMITY_M} metres "
            f"({MAX_PROXIMITY_M // 1000} km), not {value!r}",
        )
        return DEFAULT_PROXIMITY_M
    return metres


@api.get("/service_at_locations", summary="Services at locations, nearest first with postcode")
def service_at_locations(
    request,
    page: str | None = None,
    per_page: str | None = None,
    postcode: str | None = None,
    proximity: str | None = Query(
        None,
        description=f"Metres from the postcode's centroid, {MIN_PROXIMITY_M} to "
        f"{MAX_PROXIMITY_M}; default {DEFAULT_PROXIMITY_M}. Needs a postcode.",
    ),
    taxonomy_term_id: str | None = None,
):
    p = Params()
    number, size = _paging(p, page, per_page)
    metres = _proximity_metres(p, proximity)
    radius = metres / 1000  # bounding_box and distance_km work in kilometres
    term = p.uuid("taxonomy_term_id", taxonomy_term_id)
    place = None
    if postcode:
        try:
            place = locate(postcode)
        except PostcodeError as error:
            p.fail("postcode", str(error))
    elif proximity:
        p.fail("proximity", "needs a postcode")
    p.check()
    rows = ServiceAtLocation.objects.filter(service__in=Service.objects.public()).select_related(
        "location", "service__organization"
    )
    if term:
        rows = rows.filter(service__terms__id=term)
    if place is None:
        rows = rows.order_by("service__name", "id")
        total = rows.count()
        chosen = list(rows[(number - 1) * size : number * size])
    else:
        lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(place.latitude, place.longitude, radius)
        near = []
        for sal in rows.filter(
            location__latitude__range=(lat_lo, lat_hi), location__longitude__range=(lon_lo, lon_hi)
        ):
            km = distance_km(
                place.latitude, place.longitude, sal.location.latitude, sal.location.longitude
            )
            if km <= radius:
                near.append((km, sal))
        near.sort(key=lambda pair: pair[0])
        total = len(near)
        chosen = [sal for _, sal in near[(number - 1) * size : number * size]]
    contents = [mappers.service_at_location(sal, nested_service=True) for sal in chosen]
    return mappers.page(contents, total=total, number=number, per_page=size)


@api.get("/service_at_locations/{id}", summary="One service at a location")
def service_at_location(request, id: str):
    p = Params()
    pk = p.uuid("id", id)
    p.check()
    found = (
        ServiceAtLocation.objects.filter(pk=pk, service__in=Service.objects.public())
        .select_related("location", "service__organization")
        .first()
    )
    if found is None:
        raise Http404
    return mappers.service_at_location(found, nested_service=True)
