"""Setting up areas, PCNs and organisations (operators and the demo loader call these)."""

from django.db import transaction

from core import audit
from geography import grid
from geography.lookup import PostcodeError, locate
from organisations.models import Area, Organisation, PrimaryCareNetwork


@transaction.atomic
def create_area(*, by, name: str, code: str) -> Area:
    area = Area.objects.create(name=name, code=code)
    audit.record_change(by=by, verb="create_area", obj=area)
    return area


@transaction.atomic
def create_pcn(*, by, area: Area, name: str, ods_code: str) -> PrimaryCareNetwork:
    pcn = PrimaryCareNetwork.objects.create(area=area, name=name, ods_code=ods_code)
    audit.record_change(by=by, verb="create_pcn", obj=pcn)
    return pcn


@transaction.atomic
def create_organisation(
    *,
    by,
    area: Area,
    kind: str,
    name: str,
    ods_code: str = "",
    pcn: PrimaryCareNetwork | None = None,
    postcode: str = "",
    first_contact_target_days: int = 5,
) -> Organisation:
    organisation = Organisation.objects.create(
        area=area,
        kind=kind,
        name=name,
        ods_code=ods_code,
        pcn=pcn,
        postcode=postcode,
        first_contact_target_days=first_contact_target_days,
        **_location(postcode),
    )
    audit.record_change(by=by, verb="create_organisation", obj=organisation)
    return organisation


@transaction.atomic
def set_organisation_postcode(*, by, organisation: Organisation, postcode: str) -> Organisation:
    """An organisation moved (or its postcode was wrong): the postcode and where it is
    change together."""
    old = organisation.postcode
    organisation.postcode = postcode
    for field, value in _location(postcode).items():
        setattr(organisation, field, value)
    organisation.save(update_fields=["postcode", "latitude", "longitude", "cell"])
    audit.record_change(
        by=by, verb="set_organisation_postcode", obj=organisation, old=old, new=postcode
    )
    return organisation


@transaction.atomic
def relocate_organisations(*, by) -> int:
    """Locate every organisation's postcode again, after the postcode directory changed (an
    ONSPD import turns district centroids into full-postcode places). Returns how many
    moved."""
    moved = []
    for organisation in Organisation.objects.only(
        "pk", "postcode", "latitude", "longitude", "cell"
    ).iterator(chunk_size=2000):
        location = _location(organisation.postcode)
        if any(getattr(organisation, f) != v for f, v in location.items()):
            for field, value in location.items():
                setattr(organisation, field, value)
            moved.append(organisation)
    Organisation.objects.bulk_update(moved, ["latitude", "longitude", "cell"], batch_size=1000)
    audit.record_change(by=by, verb="relocate_organisations", moved=len(moved))
    return len(moved)


def _location(postcode: str) -> dict:
    """Latitude, longitude and grid cell of a postcode; all None when it is empty or not
    known (the organisation is kept, and is simply never "the nearest")."""
    try:
        place = locate(postcode) if postcode.strip() else None
    except PostcodeError:
        place = None
    if place is None:
        return {"latitude": None, "longitude": None, "cell": None}
    return {
        "latitude": place.latitude,
        "longitude": place.longitude,
        "cell": grid.cell(place.latitude, place.longitude),
    }
