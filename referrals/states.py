"""The referral (episode) state machine. Transitions are data; `check_transition` is the one
place that says whether a move is legal and who may make it."""

from django.db import models

from core.errors import IllegalTransition
from core.permissions import Permission, has_permission


class Status(models.TextChoices):
    RECEIVED = "received", "Awaiting triage"
    ACCEPTED = "accepted", "Accepted, awaiting allocation"
    ALLOCATED = "allocated", "Allocated, awaiting first contact"
    ACTIVE = "active", "In contact"
    DISCHARGED = "discharged", "Discharged"
    DECLINED = "declined", "Declined at triage"
    REDIRECTED = "redirected", "Redirected"


OPEN = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.ALLOCATED, Status.ACTIVE})
CLOSED = frozenset({Status.DISCHARGED, Status.DECLINED, Status.REDIRECTED})

TRANSITIONS: dict[tuple[Status, Status], Permission] = {
    (Status.RECEIVED, Status.ACCEPTED): Permission.TRIAGE,
    (Status.RECEIVED, Status.DECLINED): Permission.TRIAGE,
    (Status.RECEIVED, Status.REDIRECTED): Permission.TRIAGE,
    (Status.ACCEPTED, Status.ALLOCATED): Permission.ALLOCATE,
    (Status.ACCEPTED, Status.DISCHARGED): Permission.CASE_DISCHARGE,
    (Status.ALLOCATED, Status.ACTIVE): Permission.CASE_WORK,
    (Status.ALLOCATED, Status.DISCHARGED): Permission.CASE_DISCHARGE,
    (Status.ACTIVE, Status.DISCHARGED): Permission.CASE_DISCHARGE,
}


def check_transition(current: str, target: str, *, by) -> None:
    current, target = Status(current), Status(target)
    permission = TRANSITIONS.get((current, target))
    if permission is None:
        raise IllegalTransition(
            f"A referral that is '{current.label.lower()}' cannot become '{target.label.lower()}'."
        )
    if not has_permission(by, permission):
        raise IllegalTransition(f"You are not allowed to make a referral '{target.label.lower()}'.")
