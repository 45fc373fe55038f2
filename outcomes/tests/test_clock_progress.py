"""The questionnaire clock reaches everyone due on every run: people it has already dealt
with (the link worker told they cannot be reached, the reminders used up) leave the set it
works through, so however many there are, they never hold back the person due after them.

Old code took the oldest 500 due and 2,000 sent requests each run, and those rows never
left: past 500 people without a text or email, no link was ever sent again."""

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from notifications.actions import channel_for, reachable
from notifications.models import Message
from outcomes import actions
from outcomes.models import QuestionnaireRequest
from referrals.models import Person, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db
OLD_DUE_CAP, OLD_SENT_CAP = 500, 2000  # the slices the clock used to take


@pytest.fixture
def texting(referrer, service, team_lead, link_worker):
    """Someone who agreed to texts, their baseline due from today."""
    referral = factories.referral(by=referrer, service=service)
    referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    factories.contact(referral, by=link_worker)
    Person.objects.filter(pk=referral.person_id).update(texts_allowed=True)
    referral.refresh_from_db()
    return referral


def stale(referral, count, **fields):
    """`count` old questionnaires of someone who cannot be reached, made in one query."""
    long_ago = timezone.now() - timedelta(days=90)
    QuestionnaireRequest.objects.bulk_create(
        QuestionnaireRequest(
            referral=referral,
            timepoint="other",
            instruments=["ons4"],
            due_on=timezone.localdate(long_ago),
            **fields,
        )
        for _ in range(count)
    )


def test_people_already_told_about_do_not_hold_back_the_next_link(active_referral, texting):
    # More than the old cap of people without a channel, due before anyone else, the link
    # worker already told about each.
    stale(active_referral, OLD_DUE_CAP + 1, link_worker_told_at=timezone.now())
    counts = actions.run_clock()
    assert counts["sent"] == 1
    baseline = texting.questionnaire_requests.get(timepoint="baseline")
    assert baseline.status == "sent"
    assert Message.objects.filter(template__code="questionnaire_link", referral=texting).exists()


def test_people_already_reminded_twice_do_not_hold_back_a_reminder(active_referral, texting):
    long_ago = timezone.now() - timedelta(days=60)
    stale(
        active_referral,
        OLD_SENT_CAP + 1,
        status="sent",
        sent_at=long_ago,
        last_sent_at=long_ago,
        reminders=2,
        link_worker_told_at=long_ago + timedelta(days=21),
    )
    assert actions.run_clock()["sent"] == 1  # texting's baseline
    counts = actions.run_clock(now=timezone.now() + timedelta(days=7, minutes=1))
    assert counts["reminded"] == 1
    assert Message.objects.filter(
        template__code="questionnaire_reminder", referral=texting
    ).exists()


def test_one_run_goes_through_every_batch(monkeypatch, active_referral, texting):
    monkeypatch.setattr(actions, "CLOCK_BATCH", 2)
    stale(active_referral, 5)  # nobody told yet: five to tell
    stale(texting, 4)  # four more links to send, beside the baseline
    counts = actions.run_clock()
    # active_referral's own baseline is due too: six to tell in all.
    assert counts == {"sent": 5, "reminded": 0, "told": 6, "escalated": 0}
    assert not QuestionnaireRequest.objects.filter(
        status="due", due_on__lte=timezone.localdate(), link_worker_told_at__isnull=True
    ).exists()
    # Dealt with, they leave: the next run has nothing to do.
    assert actions.run_clock() == {"sent": 0, "reminded": 0, "told": 0, "escalated": 0}


def test_a_reminder_that_cannot_go_tells_the_link_worker_once(texting, link_worker):
    actions.run_clock()
    Person.objects.filter(pk=texting.person_id).update(texts_allowed=False)
    week = timezone.now() + timedelta(days=7, minutes=1)
    assert actions.run_clock(now=week) == {"sent": 0, "reminded": 0, "told": 1, "escalated": 0}
    assert ReferralEvent.objects.filter(
        referral=texting, summary="Baseline questionnaires need you"
    ).exists()
    assert Message.objects.filter(
        template__code="questionnaires_need_you", to_user=link_worker
    ).exists()
    later = timezone.now() + timedelta(days=22)
    assert actions.run_clock(now=later) == {"sent": 0, "reminded": 0, "told": 0, "escalated": 0}


def test_someone_told_about_gets_their_link_once_they_agree_to_texts(active_referral):
    assert actions.run_clock()["told"] == 1
    assert actions.run_clock()["told"] == 0
    Person.objects.filter(pk=active_referral.person_id).update(texts_allowed=True)
    assert actions.run_clock()["sent"] == 1
    assert active_referral.questionnaire_requests.get(timepoint="baseline").status == "sent"


def test_reachable_agrees_with_channel_for(active_referral):
    """The clock filters in SQL with `reachable`; the send uses `channel_for`."""
    person = active_referral.person
    failed = timezone.now()
    for texts, emails, phone, email, phone_failed, email_failed in product((True, False), repeat=6):
        Person.objects.filter(pk=person.pk).update(
            texts_allowed=texts,
            emails_allowed=emails,
            phone="07700900982" if phone else "",
            email="someone@example.com" if email else "",
            phone_failed_at=failed if phone_failed else None,
            email_failed_at=failed if email_failed else None,
        )
        person.refresh_from_db()
        found = Person.objects.filter(reachable(), pk=person.pk).exists()
        assert found == (channel_for(person) is not None), vars(person)
        via_request = QuestionnaireRequest.objects.filter(
            reachable("referral__person__"), referral=active_referral
        ).exists()
        assert via_request == found
