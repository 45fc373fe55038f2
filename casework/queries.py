from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from core.permissions import Role
from referrals.states import Status

HELD = [Status.ALLOCATED, Status.ACTIVE]


def workers_with_caseload(service):
    """The service's link workers with their open and overdue case counts, in one query."""
    held = Q(caseload__status__in=HELD)
    return (
        User.objects.filter(organisation=service, role=Role.LINK_WORKER, is_active=True)
        .annotate(
            open_cases=Count("caseload", filter=held),
            overdue=Count(
                "caseload", filter=held & Q(caseload__next_action_due__lt=timezone.localdate())
            ),
        )
        .order_by("full_name")
    )
