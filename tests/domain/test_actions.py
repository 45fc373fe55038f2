import dataclasses

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.actions import discharge_case, record_what_matters, review_goal, set_goal
from core.errors import ActionError, ConcurrentChange, IllegalTransition
from core.models import AuditEvent
from referrals import actions
from referrals.models import DischargeReason, Person, Referral, ReferralEvent
from referrals.states import Status
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_referral_records_snomed_event_and_audit(referral, referrer):
    event = referral.events.get()
    assert referral.status == Status.RECEIVED
    assert event.kind == ReferralEvent.Kind.RECEIVED
    assert event.concept.code == "871731000000106"
    assert AuditEvent.objects.filter(
        verb="create_referral", actor=referrer, person_id=referral.person_id
    ).exists()


def test_create_referral_requires_consent_and_needs(referrer, service):
    with pytest.raises(ActionError) as error:
        actions.create_referral(
            by=referrer,
            service=service,
            person=factories.PersonDetailsFactory(),
            needs=[],
            context="",
            consent_to_contact=False,
        )
    assert error.value.field == "consent_to_contact"
    with pytest.raises(ActionError) as error:
        actions.create_referral(
            by=referrer,
            service=service,
            person=factories.PersonDetailsFactory(),
            needs=[],
            context="",
            consent_to_contact=True,
        )
    assert error.value.field == "needs"


def test_link_worker_cannot_create_referral(link_worker, service):
    with pytest.raises(PermissionDenied):
        factories.referral(by=link_worker, service=service)


def test_re_referral_after_discharge_reuses_person_with_new_details(
    active_referral, referrer, link_worker, service
):
    discharge_case(
        by=link_worker,
        referral=active_referral,
        version=active_referral.version,
        reason=DischargeReason.objects.get(code="goals-met"),
    )
    details = dataclasses.replace(
        factories.PersonDetailsFactory(),
        nhs_number=active_referral.person.nhs_number,
        phone="07700900111",
    )
    second = factories.referral(by=referrer, service=service, person=details)
    assert second.person_id == active_referral.person_id
    assert Person.objects.get(pk=second.person_id).phone == "07700900111"
    assert Referral.objects.filter(person=second.person).count() == 2


def test_decline_other_needs_note(referral, team_lead):
    with pytest.raises(ActionError) as error:
        actions.decline_referral(
            by=team_lead, referral=referral, version=referral.version, reason="other"
        )
    assert error.value.field == "note"


def test_allocate_to_team_lead_refused(referral, team_lead):
    with pytest.raises(ActionError) as error:
        factories.allocate(referral, by=team_lead, worker=team_lead)
    assert error.value.field == "worker"


def test_reallocation_writes_event_and_keeps_status(active_referral, team_lead, other_link_worker):
    moved = factories.allocate(active_referral, by=team_lead, worker=other_link_worker)
    assert moved.status == Status.ACTIVE
    assert moved.allocated_to == other_link_worker
    assert moved.events.filter(
        kind=ReferralEvent.Kind.ALLOCATED, summary__startswith="Reallocated"
    ).exists()


def test_allocation_sets_first_contact_deadline(allocated_referral):
    assert allocated_referral.next_action == "First contact"
    assert (allocated_referral.next_action_due - timezone.localdate()).days == 5


def test_stale_version_refused(referral, team_lead):
    actions.accept_referral(by=team_lead, referral=referral, version=referral.version)
    with pytest.raises(ConcurrentChange):
        actions.decline_referral(by=team_lead, referral=referral, version=1, reason="wrong_service")


def test_decline_after_allocation_is_illegal(allocated_referral, team_lead):
    with pytest.raises(IllegalTransition):
        actions.decline_referral(
            by=team_lead,
            referral=allocated_referral,
            version=allocated_referral.version,
            reason="wrong_service",
        )


def test_discharge_declined_carries_snomed_and_closes(active_referral, link_worker):
    discharged = discharge_case(
        by=link_worker,
        referral=active_referral,
        version=active_referral.version,
        reason=DischargeReason.objects.get(code="declined"),
    )
    event = discharged.events.filter(to_status=Status.DISCHARGED).get()
    assert event.concept.code == "871711000000103"
    assert discharged.closed_at and not discharged.next_action_due
    with pytest.raises(ActionError):
        discharge_case(
            by=link_worker,
            referral=discharged,
            version=discharged.version,
            reason=DischargeReason.objects.get(code="declined"),
        )


def test_referrer_cannot_discharge(active_referral, referrer):
    with pytest.raises(PermissionDenied):
        discharge_case(
            by=referrer,
            referral=active_referral,
            version=active_referral.version,
            reason=DischargeReason.objects.first(),
        )


def test_goal_review_stale_version(active_referral, link_worker, other_link_worker):
    goal = set_goal(by=link_worker, referral=active_referral, description="Walk more")
    review_goal(by=link_worker, goal=goal, version=1, status="partly", progress="Twice")
    with pytest.raises(ConcurrentChange):
        review_goal(by=other_link_worker, goal=goal, version=1, status="achieved", progress="")


def test_what_matters_stale_version(active_referral, link_worker):
    first = record_what_matters(by=link_worker, referral=active_referral, text="A", replaces=None)
    record_what_matters(by=link_worker, referral=active_referral, text="B", replaces=first)
    with pytest.raises(ConcurrentChange):
        record_what_matters(by=link_worker, referral=active_referral, text="C", replaces=first)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Status.ALLOCATED, "allocated_to": None},
        {"status": Status.DISCHARGED, "closed_at": timezone.now()},
        {"status": Status.DECLINED, "closed_at": timezone.now()},
        {"status": Status.REDIRECTED, "closed_at": timezone.now()},
        {"closed_at": timezone.now()},
        {"consent_to_contact": False},
    ],
)
def test_database_refuses_inconsistent_referral(referral, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(**change)


def test_database_refuses_second_open_episode(referral):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            area=referral.area,
            person=referral.person,
            service=referral.service,
            source="web_form",
            consent_to_contact=True,
            received_at=timezone.now(),
            status_changed_at=timezone.now(),
        )


def test_scopes(
    referral,
    referrer,
    other_practice_referrer,
    team_lead,
    link_worker,
    other_area_link_worker,
    commissioner,
):
    visible = Referral.objects.visible_to
    assert list(visible(referrer)) == [referral]
    assert list(visible(team_lead)) == [referral]
    assert list(visible(link_worker)) == [referral]
    assert not visible(other_practice_referrer).exists()
    assert not visible(other_area_link_worker).exists()
    assert not visible(commissioner).exists()
    assert Referral.objects.aggregable_by(commissioner).count() == 1
    assert not Referral.objects.aggregable_by(link_worker).exists()
