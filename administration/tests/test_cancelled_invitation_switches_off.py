"""Cancelling an invitation switches the unused account off the way switching off a leaver
does (accounts.actions.switch_off_account): the time and reason kept, every session ended,
the same audit row; inviting the address again switches it back on."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actions import cancel_invitation, invite_staff, switch_off_account
from accounts.models import Invitation, SetUpLink, SwitchedOffReason, User
from core.models import AuditEvent
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db


def invite(by, organisation, email="jo.bloggs@example.nhs.net"):
    return invite_staff(
        by=by, email=email, full_name="Jo Bloggs", organisation=organisation, role=Role.LINK_WORKER
    )


def switch_off_events(user):
    return AuditEvent.objects.filter(verb="switch_off_account", object_id=str(user.pk))


def test_a_cancelled_invitations_account_is_switched_off_with_time_and_reason(
    service_admin, service, time_machine
):
    invitation = invite(service_admin, service)
    generation = User.objects.get(pk=invitation.user_id).session_generation
    at = timezone.now().replace(microsecond=0)
    time_machine.move_to(at, tick=False)
    cancel_invitation(by=service_admin, invitation=invitation)
    user = User.objects.get(pk=invitation.user_id)
    assert not user.is_active
    assert user.switched_off_at == at
    assert user.switched_off_reason == SwitchedOffReason.LEFT
    # Every session the account had ends (accounts/sessions.py compares the generation).
    assert user.session_generation == generation + 1
    assert SetUpLink.objects.get(user=user).revoked_at == at
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.CANCELLED


def test_a_session_the_invitee_had_ends(client, service_admin, service):
    invitation = invite(service_admin, service)
    client.force_login(invitation.user)
    assert "_auth_user_id" in client.session
    cancel_invitation(by=service_admin, invitation=invitation)
    response = client.get(reverse("casework:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_it_is_audited_as_switching_off_a_leaver_is(service_admin, service):
    invitation = invite(service_admin, service)
    cancel_invitation(by=service_admin, invitation=invitation)
    leaver = factories.user(organisation=service, role=Role.LINK_WORKER)
    switch_off_account(by=service_admin, user=leaver)

    cancelled = switch_off_events(invitation.user).get()
    left = switch_off_events(leaver).get()
    for event in (cancelled, left):
        assert event.actor == service_admin
        assert event.kind == AuditEvent.Kind.CHANGE
    assert cancelled.object_type == left.object_type
    assert cancelled.detail == left.detail == {"cause": "left", "open_cases": 0}
    # The cancellation is recorded too, as before.
    assert AuditEvent.objects.filter(
        verb="cancel_invitation", actor=service_admin, object_id=str(invitation.user_id)
    ).exists()


def test_inviting_again_switches_the_account_back_on(service_admin, service):
    first = invite(service_admin, service)
    cancel_invitation(by=service_admin, invitation=first)
    again = invite(service_admin, service)
    assert again.user_id == first.user_id
    user = User.objects.get(pk=again.user_id)
    assert user.is_active
    assert user.switched_off_at is None and user.switched_off_reason == ""
