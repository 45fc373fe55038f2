"""Two people acting on the same thing at the same moment, in real threads with their own
database connections: exactly one wins, the other is told, nothing is applied twice."""

import pytest

from core.errors import ConcurrentChange
from referrals.actions import DuplicateReferral, allocate_referral
from referrals.models import Referral, ReferralEvent
from referrals.states import Status
from tests import factories
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_team_leads_allocating_at_once_exactly_one_wins(
    service, referral, team_lead, link_worker, other_link_worker
):
    second_lead = factories.user(organisation=service, role="team_lead")
    version = referral.version
    results = race(
        [
            lambda: allocate_referral(
                by=team_lead, referral=referral, version=version, worker=link_worker
            ),
            lambda: allocate_referral(
                by=second_lead, referral=referral, version=version, worker=other_link_worker
            ),
        ]
    )
    winners = [r for r in results if isinstance(r, Referral)]
    losers = [r for r in results if isinstance(r, ConcurrentChange)]
    assert len(winners) == 1 and len(losers) == 1, results
    referral.refresh_from_db()
    assert referral.allocated_to == winners[0].allocated_to
    assert ReferralEvent.objects.filter(referral=referral, to_status=Status.ALLOCATED).count() == 1
    assert "Someone else changed this referral" in losers[0].message


def test_same_person_referred_twice_at_once_makes_one_referral(referrer, service):
    person = factories.PersonDetailsFactory()
    results = race(
        [
            lambda: factories.referral(by=referrer, service=service, person=person),
            lambda: factories.referral(by=referrer, service=service, person=person),
        ]
    )
    assert sorted(type(r).__name__ for r in results) == ["DuplicateReferral", "Referral"], results
    assert Referral.objects.count() == 1
    duplicate = next(r for r in results if isinstance(r, DuplicateReferral))
    assert duplicate.existing.pk == Referral.objects.get().pk


def test_two_practices_referring_one_person_at_once_make_one_episode_and_a_duplicate(
    referrer, other_practice_referrer, service
):
    # Neither practice is told of the other's referral: both are taken, and the later one
    # waits at triage as a possible duplicate of the episode (which stays the only one open).
    person = factories.PersonDetailsFactory()
    results = race(
        [
            lambda: factories.referral(by=referrer, service=service, person=person),
            lambda: factories.referral(by=other_practice_referrer, service=service, person=person),
        ]
    )
    assert [type(r).__name__ for r in results] == ["Referral", "Referral"], results
    episode = Referral.objects.get(person__nhs_number=person.nhs_number)
    duplicate = Referral.objects.exclude(pk=episode.pk).get()
    assert duplicate.possible_duplicate_of == episode
    assert duplicate.nhs_number == person.nhs_number and duplicate.person != episode.person


def test_two_link_workers_recording_first_contact_at_once(
    allocated_referral, link_worker, other_link_worker
):
    results = race(
        [
            lambda: factories.contact(allocated_referral, by=link_worker),
            lambda: factories.contact(allocated_referral, by=other_link_worker),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    allocated_referral.refresh_from_db()
    assert allocated_referral.status == Status.ACTIVE
    assert (
        ReferralEvent.objects.filter(referral=allocated_referral, to_status=Status.ACTIVE).count()
        == 1
    )
    assert allocated_referral.contacts.count() == 2
