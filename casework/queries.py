from django.db.models import Count, FilteredRelation, Q
from django.utils import timezone

from accounts.models import User
from core.permissions import Role
from referrals.states import Status

HELD = [Status.ALLOCATED, Status.ACTIVE]


def workers_with_caseload(service):
    """The service's link workers with their open and overdue case counts, in one query.

    Only the cases they hold are joined (the status test is in the join, not a filter on the
    count), so the query reads each worker's open cases through the partial index
    `referral_held` and never their closed ones: it costs the same however much history
    there is (bench/query_plans.py)."""
    return (
        User.objects.filter(organisation=service, role=Role.LINK_WORKER, is_active=True)
        .annotate(held=FilteredRelation("caseload", condition=Q(caseload__status__in=HELD)))
        .annotate(
            open_cases=Count("held"),
            overdue=Count("held", filter=Q(held__next_action_due__lt=timezone.localdate())),
        )
        .order_by("full_name")
    )
