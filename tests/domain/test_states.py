import itertools

import pytest

from core.errors import IllegalTransition
from core.permissions import ROLE_PERMISSIONS, Role
from referrals.states import TRANSITIONS, Status, check_transition


class Actor:
    is_authenticated = True
    is_active = True

    def __init__(self, role):
        self.role = role


ALL_PAIRS = list(itertools.product(Status, Status))


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_transition_legal_only_if_listed(current, target):
    permission = TRANSITIONS.get((current, target))
    allowed_roles = [r for r in Role if permission in ROLE_PERMISSIONS[r]]
    if permission is None:
        for role in Role:
            with pytest.raises(IllegalTransition, match="cannot become"):
                check_transition(current, target, by=Actor(role))
        return
    assert allowed_roles, f"nobody may move {current} -> {target}"
    for role in Role:
        if role in allowed_roles:
            check_transition(current, target, by=Actor(role))
        else:
            with pytest.raises(IllegalTransition, match="not allowed"):
                check_transition(current, target, by=Actor(role))


def test_closed_states_are_terminal():
    for closed in (Status.DISCHARGED, Status.DECLINED, Status.REDIRECTED):
        assert not [pair for pair in TRANSITIONS if pair[0] == closed]


def test_every_open_state_can_reach_closure():
    reachable = {Status.RECEIVED}
    frontier = [Status.RECEIVED]
    while frontier:
        state = frontier.pop()
        for current, target in TRANSITIONS:
            if current == state and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Status)


def test_illegal_message_names_both_states():
    with pytest.raises(IllegalTransition) as error:
        check_transition(Status.DISCHARGED, Status.ACTIVE, by=Actor(Role.TEAM_LEAD))
    assert "discharged" in error.value.message and "in contact" in error.value.message


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.LINK_WORKER, Status.ACCEPTED),
        (Role.REFERRER, Status.DECLINED),
        (Role.COMMISSIONER, Status.REDIRECTED),
    ],
)
def test_triage_only_by_team_lead(role, target):
    with pytest.raises(IllegalTransition, match="not allowed"):
        check_transition(Status.RECEIVED, target, by=Actor(role))
