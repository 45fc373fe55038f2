"""Changes to the community directory. Listings arrive as `ServiceRecord`s from forms,
imports and the demo, and are stored here in bulk, all or nothing."""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import ActionError
from directory import fulltext
from directory.models import (
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord
from referrals.models import Need

BATCH = 1000
SERVICE_FIELDS = [
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "phone",
    "status",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "capacity_available",
    "capacity_maximum",
    "last_verified_on",
]


@transaction.atomic
def save_services(*, by, area, records: list[ServiceRecord], progress=None) -> dict:
    """Insert or update each listing by id (ids from a feed are kept), replacing its
    locations, schedules, costs, languages and terms. All or nothing."""
    needs_terms = {
        t.need.code: t.pk
        for t in TaxonomyTerm.objects.filter(taxonomy__name="linkwork-needs").select_related("need")
    }
    known_terms = set(TaxonomyTerm.objects.values_list("id", flat=True))
    created = updated = 0
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        c, u = _save_chunk(area, chunk, needs_terms, known_terms)
        created, updated = created + c, updated + u
        if progress:
            progress(len(chunk))
    audit.record_change(by=by, verb="save_services", created=created, updated=updated, area=area.pk)
    return {"created": created, "updated": updated}


def _save_chunk(area, chunk, needs_terms, known_terms):
    now = timezone.now()
    ids = [r.id for r in chunk]
    existing = set(Service.objects.filter(id__in=ids).values_list("id", flat=True))
    foreign = (
        Service.objects.filter(id__in=existing).exclude(area=area).values_list("id", flat=True)
    )
    if foreign:
        raise ActionError(f"Service {foreign[0]} belongs to another area's directory")

    organizations = {}
    for r in chunk:
        organizations.setdefault(r.organization_id, r.organization_name)
    Organization.objects.bulk_create(
        [Organization(id=i, area=area, name=name) for i, name in organizations.items()],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name"],
    )

    services = []
    for r in chunk:
        service = Service(
            id=r.id,
            area=area,
            organization_id=r.organization_id,
            is_free=r.is_free,
            capacity_updated=now if r.capacity_available is not None else None,
            published=True,
            search_text=_search_text(r),
            last_modified=now,
            placeless=not r.locations,
        )
        for name in SERVICE_FIELDS:
            setattr(service, name, getattr(r, name))
        services.append(service)
    Service.objects.bulk_create(
        services,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            *SERVICE_FIELDS,
            "organization",
            "is_free",
            "capacity_updated",
            "search_text",
            "last_modified",
            "placeless",
        ],
    )

    # Children are replaced wholesale: a feed is the truth about its listings.
    for model in (Schedule, CostOption, Language, ServiceAtLocation):
        model.objects.filter(service_id__in=existing).delete()
    Service.terms.through.objects.filter(service_id__in=existing).delete()

    locations = {loc.id: (r, loc) for r in chunk for loc in r.locations}
    Location.objects.bulk_create(
        [_location(r, loc) for r, loc in locations.values()],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            "name",
            "address_1",
            "city",
            "postal_code",
            "latitude",
            "longitude",
            "wheelchair_accessible",
            "accessibility_details",
            "organization",
        ],
    )
    ServiceAtLocation.objects.bulk_create(
        [
            ServiceAtLocation(id=_child_id(r.id, loc.id), service_id=r.id, location_id=loc.id)
            for r in chunk
            for loc in r.locations
        ]
    )
    Schedule.objects.bulk_create([_schedule(r, s) for r in chunk for s in r.schedules])
    CostOption.objects.bulk_create([_cost(r, c) for r in chunk for c in r.costs])
    Language.objects.bulk_create(
        [
            Language(id=_child_id(r.id, UUID(int=i)), service_id=r.id, name=name, code=code)
            for r in chunk
            for i, (name, code) in enumerate(r.languages)
        ]
    )
    links = []
    for r in chunk:
        term_ids = {needs_terms[c] for c in r.need_codes if c in needs_terms}
        unknown = [t for t in r.term_ids if t not in known_terms]
        if unknown:
            raise ActionError(f"Service {r.id}: unknown taxonomy term {unknown[0]}")
        term_ids |= set(r.term_ids)
        links += [Service.terms.through(service_id=r.id, taxonomyterm_id=t) for t in term_ids]
    Service.terms.through.objects.bulk_create(links)
    fulltext.reindex([(s.id, s.search_text) for s in services])
    return len(chunk) - len(existing), len(existing)


def _search_text(r: ServiceRecord) -> str:
    need_labels = " ".join(n.label for n in _need_labels(r.need_codes))
    places = " ".join(f"{loc.name} {loc.city}" for loc in r.locations)
    return " ".join(
        [r.name, r.alternate_name, r.description, r.organization_name, need_labels, places]
    )


_NEED_CACHE: dict[str, Need] = {}


def _need_labels(codes):
    missing = [c for c in codes if c not in _NEED_CACHE]
    if missing:
        _NEED_CACHE.update({n.code: n for n in Need.objects.filter(code__in=missing)})
    return [_NEED_CACHE[c] for c in codes if c in _NEED_CACHE]


def _child_id(parent: UUID, other: UUID) -> UUID:
    # Stable ids for rows a feed does not name (service-at-location, languages).
    return UUID(int=(parent.int ^ (other.int * 0x9E3779B97F4A7C15)) % (1 << 128))


def _location(r: ServiceRecord, loc: LocationRecord) -> Location:
    return Location(
        id=loc.id,
        organization_id=r.organization_id,
        name=loc.name,
        address_1=loc.address_1,
        city=loc.city,
        postal_code=loc.postal_code,
        latitude=loc.latitude,
        longitude=loc.longitude,
        wheelchair_accessible=loc.wheelchair_accessible,
        accessibility_details=loc.accessibility_details,
    )


def _schedule(r: ServiceRecord, s: ScheduleRecord) -> Schedule:
    return Schedule(
        id=s.id,
        service_id=r.id,
        freq=s.freq,
        interval=s.interval,
        byday=s.byday,
        opens_at=s.opens_at,
        closes_at=s.closes_at,
        valid_from=s.valid_from,
        valid_to=s.valid_to,
        description=s.description,
    )


def _cost(r: ServiceRecord, c: CostRecord) -> CostOption:
    return CostOption(
        id=c.id,
        service_id=r.id,
        option=c.option,
        amount=c.amount,
        currency=c.currency,
        amount_description=c.amount_description,
    )


@transaction.atomic
def update_capacity(*, by, service: Service, available: int | None) -> Service:
    if available is not None and available < 0:
        raise ActionError("Spare places cannot be negative", field="available")
    if (
        available is not None
        and service.capacity_maximum is not None
        and available > service.capacity_maximum
    ):
        raise ActionError(
            f"Spare places cannot be more than the maximum ({service.capacity_maximum})",
            field="available",
        )
    Service.objects.filter(pk=service.pk).update(
        capacity_available=available, capacity_updated=timezone.now()
    )
    service.refresh_from_db()
    audit.record_change(by=by, verb="update_capacity", obj=service, available=available)
    return service
