"""Look up and authorise in one step. Out of scope is a 404, never a hint that it exists.
Every read of a person's record is audited here, so views cannot forget."""

from django.shortcuts import get_object_or_404

from core import audit
from core.permissions import Permission, require_permission
from referrals.models import Referral


def get_referral_for(user, pk, *, permission: Permission, purpose: str) -> Referral:
    require_permission(user, permission)
    referral = get_object_or_404(
        Referral.objects.visible_to(user).select_related(
            "person",
            "service",
            "referring_organisation",
            "referrer",
            "allocated_to",
            "discharge_reason",
        ),
        pk=pk,
    )
    audit.record_view(by=user, verb=purpose, obj=referral, person=referral.person)
    return referral
