"""The onward referral's state machine: every legal move and who may make it. Providers
answer and record attendance; the link worker can cancel, or record that the person
stopped."""

from django.db import models

from core.errors import IllegalTransition
from core.permissions import Permission, has_permission


class Status(models.TextChoices):
    SENT = "sent", "Waiting for the provider"
    WAITING_LIST = "waiting_list", "On the waiting list"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the provider"
    ATTENDED = "attended", "Taking part"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"
    CANCELLED = "cancelled", "Cancelled by the link worker"


OPEN = frozenset(
    {Status.SENT, Status.WAITING_LIST, Status.ACCEPTED, Status.ATTENDED, Status.DID_NOT_ATTEND}
)
# While in these, an accepted person may hold one of the activity's counted places.
PLACE_HOLDING = frozenset({Status.ACCEPTED, Status.ATTENDED, Status.DID_NOT_ATTEND})

RESPOND = Permission.ONWARD_RESPOND
WORK = Permission.CASE_WORK
TRANSITIONS: dict[tuple[Status, Status], frozenset[Permission]] = {
    (Status.SENT, Status.ACCEPTED): frozenset({RESPOND}),
    (Status.SENT, Status.WAITING_LIST): frozenset({RESPOND}),
    (Status.SENT, Status.DECLINED): frozenset({RESPOND}),
    (Status.SENT, Status.CANCELLED): frozenset({WORK}),
    (Status.WAITING_LIST, Status.ACCEPTED): frozenset({RESPOND}),
    (Status.WAITING_LIST, Status.DECLINED): frozenset({RESPOND}),
    (Status.WAITING_LIST, Status.CANCELLED): frozenset({WORK}),
    (Status.ACCEPTED, Status.ATTENDED): frozenset({RESPOND}),
    (Status.ACCEPTED, Status.DID_NOT_ATTEND): frozenset({RESPOND}),
    (Status.ACCEPTED, Status.CANCELLED): frozenset({WORK}),
    (Status.ACCEPTED, Status.STOPPED): frozenset({RESPOND, WORK}),
    (Status.DID_NOT_ATTEND, Status.ATTENDED): frozenset({RESPOND}),
    (Status.DID_NOT_ATTEND, Status.STOPPED): frozenset({RESPOND, WORK}),
    (Status.ATTENDED, Status.COMPLETED): frozenset({RESPOND}),
    (Status.ATTENDED, Status.STOPPED): frozenset({RESPOND, WORK}),
}


def allowed(current: str, target: str, user) -> bool:
    permissions = TRANSITIONS.get((Status(current), Status(target)), frozenset())
    return any(has_permission(user, p) for p in permissions)


def check_transition(current: str, target: str, *, by) -> None:
    current, target = Status(current), Status(target)
    if (current, target) not in TRANSITIONS:
        if current == Status.CANCELLED:
            raise IllegalTransition(
                "The link worker has cancelled this referral, so it cannot be answered now. "
                "Message them if you need to talk about it."
            )
        raise IllegalTransition(
            f"This referral is '{current.label.lower()}': it cannot become "
            f"'{target.label.lower()}'."
        )
    if not allowed(current, target, by):
        raise IllegalTransition(f"You are not allowed to make it '{target.label.lower()}'.")
