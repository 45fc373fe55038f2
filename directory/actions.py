from django.db import transaction

from core import audit
from core.errors import ActionError
from directory.models import Service
from referrals.validators import normalise_postcode


@transaction.atomic
def create_service(
    *,
    by,
    area,
    name: str,
    provider_name: str,
    description: str,
    needs,
    town: str,
    postcode: str,
    when: str,
    cost: str = "Free",
    how_to_join: str,
) -> Service:
    if not name.strip():
        raise ActionError("Enter the name of the activity", field="name")
    if not needs:
        raise ActionError("Choose at least one need the activity helps with", field="needs")
    service = Service.objects.create(
        area=area,
        name=name.strip(),
        provider_name=provider_name.strip(),
        description=description.strip(),
        town=town.strip(),
        postcode=normalise_postcode(postcode),
        when=when.strip(),
        cost=cost.strip() or "Free",
        how_to_join=how_to_join.strip(),
    )
    service.needs.set(needs)
    audit.record_change(by=by, verb="create_service", obj=service)
    return service
