"""The unit costs and investment in force for an area: the newest version of each, the
area's own where it has set one, otherwise the default for every area."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.dates import month_start
from reporting.models import Investment, ReferralFact, UnitCost


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    source: str
    price_year: str
    valid_from: date

    def describe(self) -> str:
        return f"£{self.amount:,.2f} ({self.price_year} prices; {self.source})"


def unit_costs(area=None, on: date | None = None) -> dict[str, Cost]:
    on = on or timezone.localdate()
    found = {}
    rows = UnitCost.objects.filter(valid_from__lte=on).order_by("-valid_from", "-created_at")
    for row in rows.filter(area__isnull=True):
        found.setdefault(row.item, row)
    if area is not None:
        own = {}
        for row in rows.filter(area=area):
            own.setdefault(row.item, row)
        found.update(own)
    return {
        item: Cost(row.amount, row.source, row.price_year, row.valid_from)
        for item, row in found.items()
    }


def current_investments(areas) -> list[Investment]:
    """The newest investment of each area (None for areas: every area)."""
    rows = Investment.objects.select_related("area").order_by("area_id", "-created_at")
    if areas is not None:
        rows = rows.filter(area__in=areas)
    newest = {}
    for row in rows:
        newest.setdefault(row.area_id, row)
    return list(newest.values())


def referrals_in(investment: Investment) -> int:
    return ReferralFact.objects.filter(
        area_id=investment.area_id,
        month__gte=month_start(investment.starts_on),
        month__lte=month_start(investment.ends_on),
        received_on__gte=investment.starts_on,
        received_on__lte=investment.ends_on,
    ).count()
