"""One rule for an invitation that has run out (accounts/invitations.py `lapsed`): single
sign-on refuses to bind such an account, and the set-up link it carried no longer lets a
password be chosen; resending starts it again."""

from datetime import timedelta

import pytest

from accounts import invitations
from accounts.actions import (
    cancel_invitation,
    complete_set_up,
    create_administrator,
    invite_staff,
    resend_invitation,
)
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(area, service):
    user, token = create_administrator(
        by=None, email="svc@example.nhs.uk", full_name="S", area=area
    )
    admin = complete_set_up(token=token, password=factories.PASSWORD)
    return invite_staff(
        by=admin,
        email="new.starter@example.nhs.uk",
        full_name="Nia Starter",
        organisation=service,
        role=Role.LINK_WORKER,
    ), admin


def test_a_waiting_invitation_has_not_lapsed(invitation):
    invited, _ = invitation
    assert not invitations.lapsed(invited.user, invited.expires_at - timedelta(seconds=1))


def test_an_invitation_past_its_expiry_has_lapsed(invitation, time_machine):
    invited, _ = invitation
    assert invitations.lapsed(invited.user, invited.expires_at)
    time_machine.move_to(invited.expires_at + timedelta(minutes=1))
    assert invitations.lapsed(invited.user)  # now defaults to the current time
    assert invitations.state(invited) == invitations.Shown.EXPIRED


def test_resending_makes_it_current_again(invitation, time_machine):
    invited, admin = invitation
    time_machine.move_to(invited.expires_at + timedelta(minutes=1))
    resend_invitation(by=admin, invitation=invited)
    assert not invitations.lapsed(invited.user)


def test_a_cancelled_invitation_is_not_lapsed_but_cancelled(invitation):
    invited, admin = invitation
    cancel_invitation(by=admin, invitation=invited)
    invited.refresh_from_db()
    assert not invitations.lapsed(invited.user, invited.expires_at + timedelta(days=1))


def test_someone_who_chose_a_password_never_has_a_lapsed_invitation(area, service):
    worker = factories.user(organisation=service, role=Role.LINK_WORKER)
    assert worker.has_usable_password()
    assert not invitations.lapsed(worker)
