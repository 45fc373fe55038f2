"""Setting up areas, PCNs and organisations (operators and the demo loader call these)."""

from django.db import transaction

from core import audit
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
    )
    audit.record_change(by=by, verb="create_organisation", obj=organisation)
    return organisation
