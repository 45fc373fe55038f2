"""Changes to what the figures rest on: unit costs and investment (new versions, never
edits), population figures, and evaluators who receive pseudonymised extracts."""

import re
import secrets
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import ActionError
from core.permissions import Permission, has_permission, require_permission
from reporting.models import (
    ExtractDownload,
    ExtractRecipient,
    Investment,
    PopulationFigure,
    UnitCost,
)

PRICE_YEAR = re.compile(r"^\d{4}/\d{2}$")
POPULATION_DIMENSIONS = ("age_band", "sex", "ethnic_group", "imd_decile")


def _area_of(by):
    """A commissioner's settings are their area's; a national analyst's, every area's."""
    return None if has_permission(by, Permission.NATIONAL_FIGURES_VIEW) else by.organisation.area


@transaction.atomic
def add_unit_cost(
    *, by, item: str, amount: Decimal, source: str, price_year: str, valid_from: date
) -> UnitCost:
    require_permission(by, Permission.FIGURES_CONFIGURE)
    if item not in UnitCost.Item.values:
        raise ActionError("Choose what the cost is for", field="item")
    if amount is None or amount <= 0:
        raise ActionError("Enter a cost above £0", field="amount")
    if not PRICE_YEAR.match(price_year or ""):
        raise ActionError("Enter the price year like 2024/25", field="price_year")
    if not (source or "").strip():
        raise ActionError(
            "Say where the figure comes from, so readers can check it", field="source"
        )
    area = _area_of(by)
    try:
        with transaction.atomic():
            cost = UnitCost.objects.create(
                area=area,
                item=item,
                amount=amount,
                source=source.strip(),
                price_year=price_year,
                valid_from=valid_from,
                created_by=by,
            )
    except IntegrityError:
        raise ActionError(
            "There is already a cost for this from that date: choose another date",
            field="valid_from",
        ) from None
    audit.record_change(by=by, verb="add_unit_cost", obj=cost, item=item, amount=str(amount))
    return cost


@transaction.atomic
def set_investment(
    *, by, amount: Decimal, starts_on: date, ends_on: date, description: str
) -> Investment:
    require_permission(by, Permission.FIGURES_CONFIGURE)
    if has_permission(by, Permission.NATIONAL_FIGURES_VIEW):
        raise ActionError("Investment belongs to an area: its commissioner sets it")
    if amount is None or amount <= 0:
        raise ActionError("Enter an amount above £0", field="amount")
    if starts_on >= ends_on:
        raise ActionError("The end date must be after the start date", field="ends_on")
    if not (description or "").strip():
        raise ActionError("Describe the contract or grant", field="description")
    investment = Investment.objects.create(
        area=by.organisation.area,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        description=description.strip(),
        created_by=by,
    )
    audit.record_change(by=by, verb="set_investment", obj=investment, amount=str(amount))
    return investment


@transaction.atomic
def replace_population(*, by, area, dimension: str, people: dict[str, int], source: str) -> int:
    """Replace an area's population figures for one breakdown (from census or mid-year
    estimates)."""
    if by is not None:
        require_permission(by, Permission.FIGURES_CONFIGURE)
    if dimension not in POPULATION_DIMENSIONS:
        raise ActionError(f"Population figures are by {', '.join(POPULATION_DIMENSIONS)}")
    if not source.strip():
        raise ActionError("Say where the population figures come from")
    PopulationFigure.objects.filter(area=area, dimension=dimension).delete()
    PopulationFigure.objects.bulk_create(
        PopulationFigure(area=area, dimension=dimension, value=v, people=n, source=source)
        for v, n in people.items()
    )
    audit.record_change(by=by, verb="replace_population", obj=area, dimension=dimension)
    return len(people)


@transaction.atomic
def add_extract_recipient(
    *, by, name: str, purpose: str, agreement_reference: str
) -> ExtractRecipient:
    require_permission(by, Permission.EXTRACT_PERSON_LEVEL)
    for field, value, message in (
        ("name", name, "Enter who will receive the extract"),
        ("purpose", purpose, "Say what it is for (the evaluation)"),
        (
            "agreement_reference",
            agreement_reference,
            "Enter the reference of the data sharing agreement",
        ),
    ):
        if not (value or "").strip():
            raise ActionError(message, field=field)
    recipient = ExtractRecipient.objects.create(
        service=by.organisation,
        name=name.strip(),
        purpose=purpose.strip(),
        agreement_reference=agreement_reference.strip(),
        key=secrets.token_hex(32),
        created_by=by,
    )
    audit.record_change(by=by, verb="add_extract_recipient", obj=recipient)
    return recipient


@transaction.atomic
def revoke_extract_recipient(*, by, recipient: ExtractRecipient) -> ExtractRecipient:
    require_permission(by, Permission.EXTRACT_PERSON_LEVEL)
    if recipient.service_id != by.organisation_id:
        raise ActionError("Not one of your service's recipients")
    if recipient.revoked_at is None:
        recipient.revoked_at = timezone.now()
        recipient.save(update_fields=["revoked_at"])
        audit.record_change(by=by, verb="revoke_extract_recipient", obj=recipient)
    return recipient


@transaction.atomic
def record_extract_download(
    *, by, recipient: ExtractRecipient, filters: dict, rows: int
) -> ExtractDownload:
    require_permission(by, Permission.EXTRACT_PERSON_LEVEL)
    if recipient.service_id != by.organisation_id:
        raise ActionError("Not one of your service's recipients")
    if recipient.revoked_at is not None:
        raise ActionError(f"{recipient.name} no longer receives extracts")
    download = ExtractDownload.objects.create(
        recipient=recipient, by=by, filters=filters, rows=rows
    )
    audit.record_change(by=by, verb="download_extract", obj=recipient, rows=rows, **filters)
    return download
