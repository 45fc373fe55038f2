"""Changes to reference data held in core."""

from datetime import date

from django.db import transaction

from core import audit
from core.models import BankHoliday
from core.working_days import forget_holidays


@transaction.atomic
def replace_bank_holidays(*, by, holidays: list[tuple[date, str]]) -> int:
    """Add or correct these bank holidays; a year in the list replaces that year entirely
    (so a moved holiday does not linger on its old date)."""
    years = {day.year for day, _ in holidays}
    BankHoliday.objects.filter(date__year__in=years).delete()
    BankHoliday.objects.bulk_create([BankHoliday(date=day, title=title) for day, title in holidays])
    forget_holidays()
    transaction.on_commit(forget_holidays)  # again, so nothing cached the uncommitted table
    audit.record_change(by=by, verb="replace_bank_holidays", years=sorted(years))
    return len(holidays)
