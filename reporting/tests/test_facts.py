"""Facts derived from a referral's whole story, built through the actions the app uses,
and kept up to date by the refresh."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from casework.actions import discharge_case
from geography.models import Postcode
from onward import actions as onward
from outcomes import actions as outcomes
from outcomes.healthcare_use import record_healthcare_use
from referrals.actions import accept_referral, record_about
from referrals.models import DischargeReason, Referral
from reporting import refresh
from reporting.models import FactTag, OnwardFact, OutcomeFact, ReferralFact, RefreshState
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "mind"]


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime.combine(day, time(hour), LONDON), tick=False)


@pytest.fixture
def journey(referrer, service, team_lead, link_worker, provider, provider_listing):
    """Referred on 5 January 2026; first spoken with on the 9th; went to an activity from
    the 20th; wellbeing 15.32 → 19.25 at 3 months; GP 6 → 3 and A&E 1 → 0; discharged
    in July."""
    Postcode.objects.create(
        code="NN12 6AB", precision="full", latitude=52.13, longitude=-0.99, source="test",
        lsoa="E01027200", imd_decile=3,
    )  # fmt: skip
    details = factories.PersonDetailsFactory(
        postcode="NN12 6AB", date_of_birth=date(1950, 6, 1), sex="female", ethnicity="H"
    )
    with at(date(2026, 1, 5)):
        referral = factories.referral(
            by=referrer, service=service, person=details, needs=("loneliness", "anxiety")
        )
    with at(date(2026, 1, 6)):
        referral = accept_referral(by=team_lead, referral=referral, version=referral.version)
        referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    with at(date(2026, 1, 7)):
        factories.contact(referral, by=link_worker, outcome="no_answer")
    with at(date(2026, 1, 9)):
        factories.contact(referral, by=link_worker)
        referral.refresh_from_db()
        outcomes.save_answers(
            by=link_worker, referral=referral, code="swemwbs", timepoint="baseline",
            answers=dict.fromkeys(SWEMWBS, 2), submit=True,
        )  # fmt: skip
    with at(date(2026, 1, 12)):
        sent = onward.refer_to_activity(by=link_worker, referral=referral, service=provider_listing)
    with at(date(2026, 1, 14)):
        sent = onward.accept(by=provider, onward=sent, version=sent.version)
    with at(date(2026, 1, 20), hour=15):
        onward.record_attendance(
            by=provider, onward=sent, session_on=date(2026, 1, 20), attended=True
        )
    with at(date(2026, 4, 10)):
        outcomes.save_answers(
            by=link_worker, referral=referral, code="swemwbs", timepoint="month-3",
            answers=dict.fromkeys(SWEMWBS, 3), submit=True,
        )  # fmt: skip
    with at(date(2026, 7, 10)):
        for period, gp, ae in (("before", 6, 1), ("after", 3, 0)):
            record_healthcare_use(
                by=link_worker, referral=referral, period=period, gp_consultations=gp,
                ae_attendances=ae,
            )  # fmt: skip
        referral.refresh_from_db()
        discharge_case(
            by=link_worker,
            referral=referral,
            version=referral.version,
            reason=DischargeReason.objects.get(code="goals-met"),
        )
    return Referral.objects.get(pk=referral.pk)


def test_a_whole_story_becomes_one_fact(journey):
    with at(date(2026, 8, 1)):
        refresh.rebuild_all()
    fact = ReferralFact.objects.get(pk=journey.pk)
    assert (fact.month, fact.received_on) == (date(2026, 1, 1), date(2026, 1, 5))
    assert fact.status == "discharged" and fact.discharge_reason == "goals-met"
    assert fact.first_contact_days == 4  # 5 → 9 January, the first time they spoke
    assert fact.first_activity_days == 15  # 5 → 20 January, the first session attended
    assert (fact.contacts, fact.contact_attempts) == (1, 2)
    assert (fact.onward_sent, fact.onward_accepted, fact.onward_attended) == (1, 1, 1)
    assert (fact.age_band, fact.sex, fact.ethnic_group, fact.imd_decile) == (
        "75-84",
        "female",
        "asian",
        3,
    )
    assert (fact.gp_before, fact.gp_after, fact.ae_before, fact.ae_after) == (6, 3, 1, 0)
    assert fact.practice == journey.person.registered_practice
    assert fact.pcn == fact.practice.pcn
    assert set(FactTag.objects.filter(fact=fact, kind="need").values_list("code", flat=True)) == {
        "loneliness",
        "anxiety",
    }
    assert FactTag.objects.filter(fact=fact, kind="activity").exists()
    wellbeing = OutcomeFact.objects.get(fact=fact, measure="swemwbs.metric")
    # Raw 14 → 15.32 and raw 21 → 19.25 on the Warwick table: +3.93, a meaningful change.
    assert (wellbeing.baseline, wellbeing.follow_up) == (15.32, 19.25)
    assert wellbeing.follow_up_due and wellbeing.improved and wellbeing.meaningful_improvement
    assert not wellbeing.worsened and not wellbeing.meaningful_deterioration
    onward_fact = OnwardFact.objects.get(fact=fact)
    assert onward_fact.response_days == 2 and onward_fact.accepted and onward_fact.attended


def test_a_follow_up_left_unanswered_counts_as_missing_not_as_nothing(
    referrer, service, team_lead, link_worker
):
    with at(date(2026, 1, 5)):
        referral = factories.referral(by=referrer, service=service)
        referral = accept_referral(by=team_lead, referral=referral, version=referral.version)
        referral = factories.allocate(referral, by=team_lead, worker=link_worker)
        factories.contact(referral, by=link_worker)
        outcomes.save_answers(
            by=link_worker, referral=referral, code="swemwbs", timepoint="baseline",
            answers=dict.fromkeys(SWEMWBS, 2), submit=True,
        )  # fmt: skip
    with at(date(2026, 3, 1)):
        refresh.rebuild_all()
        early = OutcomeFact.objects.get(fact_id=referral.pk, measure="swemwbs.metric")
        assert not early.follow_up_due  # the 3-month one is not due until April
    with at(date(2026, 4, 20)):
        result = refresh.refresh()
    assert result["referrals"] >= 1  # picked up by the date alone: nothing was recorded
    late = OutcomeFact.objects.get(fact_id=referral.pk, measure="swemwbs.metric")
    assert late.follow_up_due and late.follow_up is None


def test_refresh_rebuilds_only_what_changed_since_it_last_ran(
    referrer, service, team_lead, link_worker
):
    start = timezone.now() - timedelta(hours=5)
    with time_machine.travel(start, tick=False):
        first = factories.referral(by=referrer, service=service)
        second = factories.referral(by=referrer, service=service)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        refresh.rebuild_all()
    assert ReferralFact.objects.get(pk=first.pk).status == "received"
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        accept_referral(by=team_lead, referral=first, version=first.version)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        result = refresh.refresh()
    assert result["referrals"] == 1
    assert ReferralFact.objects.get(pk=first.pk).status == "accepted"
    assert ReferralFact.objects.get(pk=second.pk).status == "received"
    assert RefreshState.objects.get().refreshed_at == start + timedelta(hours=3)


def test_a_change_to_the_person_refreshes_every_referral_of_theirs(
    referrer, service, team_lead, link_worker, area
):
    other_service = factories.service(area)
    details = factories.PersonDetailsFactory()
    mine = factories.referral(by=referrer, service=service, person=details)
    theirs = factories.referral(by=referrer, service=other_service, person=details)
    refresh.rebuild_all()
    mine = accept_referral(by=team_lead, referral=mine, version=mine.version)
    mine = factories.allocate(mine, by=team_lead, worker=link_worker)
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        record_about(by=link_worker, referral=mine, sex="male", ethnicity="Z")
        refresh.refresh()
    assert ReferralFact.objects.get(pk=theirs.pk).sex == "male"
    assert ReferralFact.objects.get(pk=theirs.pk).ethnic_group == "not_stated"


def test_incremental_and_full_rebuild_agree(journey, referrer, service):
    factories.referral(by=referrer, service=service)
    with at(date(2026, 8, 1)):
        refresh.rebuild_all()
        full = list(ReferralFact.objects.order_by("pk").values())
        RefreshState.objects.update(changes_seen_until=datetime(2025, 1, 1, tzinfo=LONDON))
        refresh.refresh()
    again = list(ReferralFact.objects.order_by("pk").values())
    strip = lambda rows: [{k: v for k, v in r.items() if k != "refreshed_at"} for r in rows]  # noqa: E731
    assert strip(full) == strip(again)
