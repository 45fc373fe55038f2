"""Look up and authorise onward referrals in one step; out of scope is a 404. Every read
of one is audited, as a read of the person's record."""

from django.shortcuts import get_object_or_404

from core import audit
from core.permissions import Permission, require_permission
from onward.models import OnwardReferral

RELATED = (
    "service",
    "provider",
    "sent_by",
    "referral__person",
    "referral__service",
    "referral__allocated_to",
)


def get_onward_for_provider(user, pk, *, purpose: str) -> OnwardReferral:
    require_permission(user, Permission.ONWARD_RESPOND)
    onward = get_object_or_404(
        OnwardReferral.objects.for_provider(user).select_related(*RELATED), pk=pk
    )
    audit.record_view(by=user, verb=purpose, obj=onward, person=onward.referral.person)
    return onward


def get_onward_for_case(user, referral, pk) -> OnwardReferral:
    """An onward referral of a case the user has already been authorised for."""
    return get_object_or_404(
        OnwardReferral.objects.filter(referral=referral).select_related(*RELATED), pk=pk
    )
