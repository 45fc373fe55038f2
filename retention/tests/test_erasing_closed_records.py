"""Closed records are kept for LINKWORK_RETAIN_CLOSED_RECORDS_DAYS after the person's last
episode closed, then erased with everything about them and their share of the Figures; each
erasure is audited with counts, never names. Time is moved relative to the fixtures."""

import json
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from api.fhir.models import Submission
from casework.models import Contact
from core.models import AuditEvent
from notifications.models import Message
from onward.models import Attendance, OnwardEvent, OnwardReferral
from outcomes.healthcare_use import record_healthcare_use
from outcomes.models import (
    HealthcareUse,
    MessageBack,
    QuestionnaireLink,
    QuestionnaireRequest,
    Response,
    SafetyAlert,
)
from referrals.models import Person, Referral, ReferralEvent
from reporting import refresh
from reporting.models import AreaMonthCell, OutcomeFact, ReferralFact
from retention import duty, policy
from tests import factories

pytestmark = pytest.mark.django_db
PERIOD = timedelta(days=policy.CLOSED_RECORDS_DEFAULT_DAYS)
LONDON = timezone.get_default_timezone()
# Everything that hangs off a referral, checked table by table (the erasure finds them by
# walking the keys; this list is the test's own, so a table the walk missed shows here).
ABOUT_A_REFERRAL = [
    ReferralEvent,
    Contact,
    QuestionnaireRequest,
    Response,
    SafetyAlert,
    MessageBack,
    HealthcareUse,
    OnwardReferral,
    Message,
    Submission,
    ReferralFact,
]


def later(delta):
    return time_machine.travel(timezone.now() + delta, tick=False)


def left_of(referral) -> dict:
    rows = {
        model.__name__: model.objects.filter(referral=referral).count()
        for model in ABOUT_A_REFERRAL
    }
    rows["OnwardEvent"] = OnwardEvent.objects.filter(onward__referral=referral).count()
    rows["Attendance"] = Attendance.objects.filter(onward__referral=referral).count()
    rows["QuestionnaireLink"] = QuestionnaireLink.objects.filter(request__referral=referral).count()
    rows["OutcomeFact"] = OutcomeFact.objects.filter(fact__referral=referral).count()
    rows["Message to the person"] = Message.objects.filter(person=referral.person_id).count()
    rows["Referral"] = Referral.objects.filter(pk=referral.pk).count()
    rows["Person"] = Person.objects.filter(pk=referral.person_id).count()
    return {name: n for name, n in rows.items() if n}


def cells() -> set:
    """The roll-up, with float sums rounded (a difference and a rebuild add in other orders)."""

    def rounded(value):
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return value

    return {
        (
            c.area_id,
            c.service_id,
            c.month,
            c.dimension,
            c.value,
            json.dumps(rounded(c.figures), sort_keys=True),
        )
        for c in AreaMonthCell.objects.all()
    }


def test_a_closed_record_is_erased_whole_after_the_period_and_others_are_kept(
    story, referrer, service
):
    closed = story()
    still_open = story(discharge=False)
    refresh.rebuild_all()
    assert left_of(closed).keys() >= {
        "Response",
        "SafetyAlert",
        "Attendance",
        "QuestionnaireLink",
        "ReferralFact",
    }
    with later(PERIOD - timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 0
    assert Person.objects.filter(pk=closed.person_id).exists()
    with later(PERIOD + timedelta(days=1)):
        recent = story()  # closed today: kept
        refresh.rebuild_all()
        result = duty.apply_retention_policy()
        assert (result["people_erased"], result["referrals_erased"]) == (1, 1)
        assert left_of(closed) == {}
        assert left_of(still_open)["Referral"] == 1 and left_of(recent)["Referral"] == 1
        # The Figures are what a rebuild from the records now held gives.
        after_erasure = cells()
        refresh.rebuild_all()
        assert cells() == after_erasure
        assert ReferralFact.objects.count() == 2
        # A second run finds nothing more to do.
        assert duty.apply_retention_policy()["people_erased"] == 0


def test_each_erasure_is_audited_with_counts_and_nothing_about_the_person(story):
    closed = story()
    person = closed.person
    with later(PERIOD + timedelta(days=1)):
        duty.apply_retention_policy()
    row = AuditEvent.objects.get(verb="erase_closed_records")
    assert row.actor_id is None and row.person_id is None
    assert row.detail["people"] == 1 and row.detail["referrals"] == 1
    rows = dict(row.detail["rows"])
    assert rows["referrals.Person"] == 1 and rows["outcomes.SafetyAlert"] == 1
    written = json.dumps(row.detail)
    for personal in (
        person.given_name,
        person.family_name,
        person.nhs_number,
        str(person.pk),
        str(closed.pk),
    ):
        assert personal not in written


def test_a_record_used_again_starts_its_period_again(story, link_worker):
    closed = story()
    with later(PERIOD / 2):
        # Years later the GP's figures for the 6 months after come in: the record is in use.
        record_healthcare_use(
            by=link_worker, referral=closed, period="after", gp_consultations=2,
            ae_attendances=0,
        )  # fmt: skip
    with later(PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 0
    with later(PERIOD / 2 + PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 1


def test_someone_referred_again_is_kept_until_their_last_episode_has_been_closed_long_enough(
    story, referrer, service
):
    first = story()
    with later(PERIOD / 2):
        factories.referral(by=referrer, service=service, person=_details_of(first.person))
    with later(PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 0
    assert Referral.objects.filter(person=first.person_id).count() == 2


def test_a_childs_record_is_kept_until_their_25th_birthday(story):
    born = timezone.localdate() - timedelta(days=10 * 365)  # ten when their care ended
    child = story(born=born)
    with later(PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 0  # 18 now
    twenty_fifth = datetime.combine(policy.birthday(born, 25), time(12), tzinfo=LONDON)
    with time_machine.travel(twenty_fifth - timedelta(days=1), tick=False):
        assert duty.apply_retention_policy()["people_erased"] == 0
    with time_machine.travel(twenty_fifth, tick=False):
        assert duty.apply_retention_policy()["people_erased"] == 1
    assert not Person.objects.filter(pk=child.person_id).exists()


def test_someone_who_was_17_when_care_ended_is_kept_until_their_26th_birthday():
    born = date(2001, 3, 10)
    ended = datetime(2018, 12, 1, 12, tzinfo=LONDON)  # 17
    assert policy.kept_until_as_a_child(born, ended) == date(2027, 3, 10)
    assert policy.kept_until_as_a_child(born, datetime(2015, 1, 1, tzinfo=LONDON)) == date(
        2026, 3, 10
    )
    assert policy.kept_until_as_a_child(born, datetime(2019, 3, 10, tzinfo=LONDON)) is None
    assert policy.birthday(date(2004, 2, 29), 25) == date(2029, 3, 1)


def test_every_due_person_is_reached_in_one_run_a_batch_at_a_time(story, monkeypatch):
    monkeypatch.setattr(duty, "BATCH", 2)
    people = [story().person_id for _ in range(5)]
    with later(PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 5
    assert not Person.objects.filter(pk__in=people).exists()
    assert AuditEvent.objects.filter(verb="erase_closed_records").count() == 3


def test_a_hold_erases_nothing(story, settings):
    closed = story()
    settings.LINKWORK_RETENTION_HOLD = True
    with later(PERIOD * 3):
        result = duty.apply_retention_policy()
    assert "held" in result and "people_erased" not in result
    assert Person.objects.filter(pk=closed.person_id).exists()


def test_a_possible_duplicate_of_an_erased_referral_is_let_go(story, referrer, service):
    closed = story()
    other = story(discharge=False)
    Referral.objects.filter(pk=other.pk).update(possible_duplicate_of=closed)
    with later(PERIOD + timedelta(days=1)):
        assert duty.apply_retention_policy()["people_erased"] == 1
    other.refresh_from_db()
    assert other.possible_duplicate_of_id is None


def _details_of(person):
    return factories.PersonDetailsFactory(
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )
