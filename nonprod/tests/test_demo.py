import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from directory.models import Service
from nonprod import demo
from referrals.models import Referral
from referrals.states import Status

pytestmark = pytest.mark.django_db


def test_demo_county_has_every_stage_working_logins_and_a_years_history():
    demo.load(people=60, activities=60, history=0, progress=lambda message: None)

    assert set(Referral.objects.values_list("status", flat=True)) == set(Status.values)
    reasons = set(
        Referral.objects.filter(status=Status.DISCHARGED).values_list(
            "discharge_reason__code", flat=True
        )
    )
    assert len(reasons) >= 3
    assert Referral.objects.filter(next_action_due__lt=timezone.localdate()).exists()

    oldest = Referral.objects.order_by("received_at").first().received_at
    assert (timezone.now() - oldest).days > 90
    assert not Referral.objects.filter(received_at__gt=timezone.now()).exists()

    logins = demo.logins()
    assert {login.role for login in logins} == {
        "Team lead",
        "Link worker",
        "Referrer",
        "Commissioner",
        "Community provider",
        "Directory editor",
        "Service administrator",
        "System administrator",
    }
    for login in logins:
        assert authenticate(username=login.email, password=demo.PASSWORD) is not None
    assert demo.demo_loaded()
    assert Service.objects.count() == 60
    names = list(Service.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names), "a directory without duplicates"
    # The daily freshness review has run: the few stale listings are hidden, most are not.
    assert 50 <= Service.objects.public().count() < 60


def test_demo_closes_the_loop_measures_outcomes_and_writes_back():
    from notifications.models import Message
    from onward.models import OnwardReferral

    demo.load(people=150, activities=300, history=0, progress=lambda message: None)
    statuses = set(OnwardReferral.objects.values_list("status", flat=True))
    assert {"sent", "accepted", "attended", "completed", "declined"} <= statuses, statuses
    assert OnwardReferral.objects.filter(provider__name__startswith="Towcester").exists()
    # The past's texts and emails went out to the fake Notify and were delivered…
    assert Message.objects.filter(status="delivered").count() > 50
    # …and nothing due is left waiting for the worker.
    assert not Message.objects.filter(status="queued", send_after__lte=timezone.now()).exists()
    assert not Message.objects.filter(status__in=["failed", "sending"]).exists()
    # Outcomes measured, written back to GPs, and a safety alert waiting for someone.
    from outcomes.models import MessageBack, Response, SafetyAlert

    assert Response.objects.filter(timepoint="baseline").count() > 100
    assert Response.objects.filter(timepoint="month-3").count() > 20
    assert SafetyAlert.objects.filter(acknowledged_at__isnull=True).count() == 1
    assert (
        MessageBack.objects.filter(reason="discharge").count()
        == Referral.objects.filter(status=Status.DISCHARGED).count()
    )


def test_demo_history_gives_figures_to_every_dashboard_and_nothing_to_chase():
    from core.periodic import run_duties
    from notifications.models import Message
    from onward.models import OnwardReferral
    from organisations.models import Area
    from reporting.models import AreaMonthCell, ReferralFact

    demo.load(people=20, activities=40, history=400, progress=lambda message: None)

    assert ReferralFact.objects.count() == Referral.objects.count() > 400 + 500
    assert AreaMonthCell.objects.filter(area__isnull=False).values("area").distinct().count() == 4
    assert AreaMonthCell.objects.filter(area__isnull=True).exists()  # England
    assert Area.objects.filter(code="E92000001").exists()
    assert "National analyst" in {login.role for login in demo.logins()}
    # Nothing in the past is dated in the future (the refresh would rebuild it every time).
    from django.utils import timezone

    from referrals.models import ReferralEvent

    assert not ReferralEvent.objects.filter(created_at__gt=timezone.now()).exists()
    # The history leaves nothing for the worker: no provider waiting to answer, no first
    # contact on the clock, no questionnaire to send.
    assert not OnwardReferral.objects.filter(status="sent", referral__person__phone="").exists()
    before = set(Message.objects.values_list("pk", flat=True))
    run_duties()
    # (The demo's own people may have something due today; the history, generated with
    # version-4 ids, never does.)
    sent_for = Message.objects.exclude(pk__in=before).values_list("referral_id", flat=True)
    assert not [r for r in sent_for if r is not None and r.version == 4]
