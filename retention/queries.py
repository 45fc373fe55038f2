"""Who is due for erasure under the retention policy."""

from datetime import date, datetime

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from referrals.models import Person, Referral, ReferralEvent
from retention import policy


def due_people(closed_before: datetime) -> QuerySet:
    """People with no open episode, whose every episode closed before `closed_before`, and
    nothing written on whose timeline since (a record that comes back into use starts its
    period again, as the Code says). The child rule is applied on top (`still_a_child`)."""
    mine = {"person": OuterRef("pk")}
    return Person.objects.filter(created_at__lt=closed_before).exclude(
        Exists(Referral.objects.filter(**mine, closed_at__isnull=True))
        | Exists(Referral.objects.filter(**mine, closed_at__gte=closed_before))
        | Exists(
            ReferralEvent.objects.filter(
                referral__person=OuterRef("pk"), created_at__gte=closed_before
            )
        )
    )


def care_ended(person_ids: list) -> dict:
    """When each person's last episode closed (absent: they have none)."""
    return dict(
        Referral.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(last=Max("closed_at"))
        .values_list("person_id", "last")
        .order_by()
    )


def still_a_child(born: date, ended: datetime | None, today: date) -> bool:
    """Kept under the children's rule, whatever the adult period says."""
    until = policy.kept_until_as_a_child(born, ended and timezone.localtime(ended))
    return until is not None and today < until
