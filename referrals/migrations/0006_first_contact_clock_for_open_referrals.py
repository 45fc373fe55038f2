from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def _add_working_days(start, days, holidays):
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day


def start_clocks(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    BankHoliday = apps.get_model("core", "BankHoliday")
    holidays = set(BankHoliday.objects.values_list("date", flat=True))
    waiting = Referral.objects.filter(
        first_contact_at__isnull=True, closed_at__isnull=True
    ).select_related("service")
    for referral in waiting.iterator():
        received = timezone.localdate(referral.received_at)
        Referral.objects.filter(pk=referral.pk).update(
            first_contact_remind_on=_add_working_days(
                received, referral.service.reminder_working_days, holidays
            ),
            first_contact_due=_add_working_days(
                received, referral.service.response_working_days, holidays
            ),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_consent_and_first_contact_clock"),
        ("core", "0004_load_bank_holidays"),
        ("organisations", "0003_response_deadlines"),
    ]
    operations = [migrations.RunPython(start_clocks, migrations.RunPython.noop)]
