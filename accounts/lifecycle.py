"""Reads for an account's lifecycle: its status, the cases a leaver still holds, and which
accounts the 90-day rule is about to reach. The writes are in `accounts/actions.py`
(`change_role`, `switch_off_account`, `switch_on_account`, `review_unused_accounts`).

Accounts unused for 90 days are switched off automatically, after the area's service
administrators have been told at 80 days. "Used" is the latest of: made, last signed in,
switched back on. Demo accounts (`is_demo`, only in a LINKWORK_NONPROD installation) and
system administrators are left alone: the demo's logins must keep working however long it
sits unused, and the installation's few system administrators are the way back in for
everyone else (their accounts are the operator's to review; see docs/go-live.md).
"""

from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet

from accounts.models import User
from core.permissions import Role

WARN_AFTER = timedelta(days=80)
SWITCH_OFF_AFTER = timedelta(days=90)
# How long the administrators have between the warning and the switch-off.
NOTICE = SWITCH_OFF_AFTER - WARN_AFTER

INVITED, ACTIVE, SWITCHED_OFF = "invited", "active", "switched_off"
STATUSES = {
    INVITED: "Invited (not signed in yet)",
    ACTIVE: "Active",
    SWITCHED_OFF: "Switched off",
}


def status(user: User) -> str:
    if not user.is_active:
        return SWITCHED_OFF
    if user.last_login is None:
        return INVITED
    return ACTIVE


def with_status(queryset: QuerySet, wanted: str) -> QuerySet:
    if wanted == SWITCHED_OFF:
        return queryset.filter(is_active=False)
    if wanted == INVITED:
        return queryset.filter(is_active=True, last_login__isnull=True)
    if wanted == ACTIVE:
        return queryset.filter(is_active=True, last_login__isnull=False)
    return queryset


def last_used(user: User) -> datetime:
    return max(t for t in (user.date_joined, user.last_login, user.switched_on_at) if t)


# Cases (held by a link worker, allocated or active) that a switched-off account still holds.
def open_cases_of(user: User):
    from referrals.models import Referral
    from referrals.states import Status

    return Referral.objects.filter(allocated_to=user, status__in=[Status.ALLOCATED, Status.ACTIVE])


def to_reallocate(team_lead: User):
    """The team lead's service's open cases whose worker can no longer work them: switched
    off, or no longer a link worker. For the team page, which links each to allocation."""
    from referrals.models import Referral
    from referrals.states import Status

    return (
        Referral.objects.visible_to(team_lead)
        .filter(status__in=[Status.ALLOCATED, Status.ACTIVE])
        .filter(Q(allocated_to__is_active=False) | ~Q(allocated_to__role=Role.LINK_WORKER))
        .select_related("person", "allocated_to")
        .order_by("allocated_to__full_name", "received_at", "pk")
    )


# The 90-day rule, as conditions on the account row (so that each account dealt with leaves
# the set that a sweep walks: core.batches).


def unused_since(cutoff: datetime) -> Q:
    return (
        Q(date_joined__lt=cutoff)
        & (Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        & (Q(switched_on_at__isnull=True) | Q(switched_on_at__lt=cutoff))
    )


# A warning counts until the account is next used (written positively, without NOT, so that
# no database's handling of NULL under NOT matters).
_WARNED = (
    Q(unused_warning_at__isnull=False)
    & (Q(last_login__isnull=True) | Q(last_login__lte=F("unused_warning_at")))
    & (Q(switched_on_at__isnull=True) | Q(switched_on_at__lte=F("unused_warning_at")))
)
_NOT_WARNED = (
    Q(unused_warning_at__isnull=True)
    | Q(last_login__gt=F("unused_warning_at"))
    | Q(switched_on_at__gt=F("unused_warning_at"))
)


def under_the_rule() -> QuerySet:
    return User.objects.filter(is_active=True, is_demo=False).exclude(role=Role.SYSTEM_ADMIN)


def due_for_warning(now: datetime) -> QuerySet:
    return under_the_rule().filter(unused_since(now - WARN_AFTER) & _NOT_WARNED)


def due_to_switch_off(now: datetime) -> QuerySet:
    return under_the_rule().filter(
        unused_since(now - SWITCH_OFF_AFTER) & _WARNED & Q(unused_warning_at__lte=now - NOTICE)
    )


def manageable_by(admin: User) -> QuerySet:
    """The accounts whose page, role and switch an administrator may use: a service
    administrator, every account in their area; a system administrator, the service
    administrators of every area and the other system administrators (the accounts the
    installation's operator answers for). Anyone else, none."""
    from core.permissions import Permission, has_permission

    if not has_permission(admin, Permission.STAFF_MANAGE):
        return User.objects.none()
    if admin.role == Role.SYSTEM_ADMIN:
        return User.objects.filter(role__in=[Role.SERVICE_ADMIN, Role.SYSTEM_ADMIN])
    return User.objects.filter(organisation__area_id=admin.organisation.area_id).exclude(
        role=Role.SYSTEM_ADMIN
    )
