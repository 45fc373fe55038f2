from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.actions import record_what_matters
from casework.models import Contact, WhatMatters
from referrals.models import DischargeReason
from referrals.states import Status

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def contact_data(when=None, **extra):
    when = timezone.localtime(when or timezone.now())
    return {
        "outcome": "spoke",
        "mode": "phone",
        "date[day]": when.day,
        "date[month]": when.month,
        "date[year]": when.year,
        "time": when.strftime("%H:%M"),
        "duration_minutes": "20",
        "notes": "Chatted.",
        **extra,
    }


def test_caseload_orders_overdue_first(
    client, link_worker, team_lead, referrer, service, time_machine
):
    from tests import factories

    time_machine.move_to(timezone.now() - timedelta(days=20))
    early = factories.allocate(
        factories.referral(by=referrer, service=service), by=team_lead, worker=link_worker
    )
    time_machine.move_to(timezone.now() + timedelta(days=20))
    late = factories.allocate(
        factories.referral(by=referrer, service=service), by=team_lead, worker=link_worker
    )
    client.force_login(link_worker)
    body = page(client.get(reverse("casework:caseload")))
    assert body.index(early.person.full_name) < body.index(late.person.full_name)
    assert "Overdue by" in body


def test_record_first_contact_makes_active(client, link_worker, allocated_referral):
    client.force_login(link_worker)
    response = client.post(
        reverse("casework:record_contact", args=[allocated_referral.pk]), contact_data()
    )
    assert response.status_code == 302
    allocated_referral.refresh_from_db()
    assert allocated_referral.status == Status.ACTIVE
    assert allocated_referral.first_contact_at is not None


def test_record_contact_in_future_refused(client, link_worker, allocated_referral):
    client.force_login(link_worker)
    response = client.post(
        reverse("casework:record_contact", args=[allocated_referral.pk]),
        contact_data(timezone.now() + timedelta(days=2)),
    )
    body = page(response)
    assert "The contact must be in the past" in body
    assert 'href="#id_date-day"' in body
    assert "Chatted." in body
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time", "25:99", "Enter the time like 14:30"),
        ("duration_minutes", "0", "at least 1 minute"),
        ("duration_minutes", "1000", "at most 600 minutes"),
        ("outcome", "", "Choose what happened"),
        ("date[day]", "31", None),
    ],
)
def test_record_contact_bad_input(client, link_worker, allocated_referral, field, value, message):
    client.force_login(link_worker)
    data = contact_data()
    data[field] = value
    if field == "date[day]":
        data["date[month]"] = "2"
        message = "Date must be a real date"
    response = client.post(reverse("casework:record_contact", args=[allocated_referral.pk]), data)
    assert message in page(response)
    assert not Contact.objects.exists()


def test_follow_up_sets_next_action(client, link_worker, allocated_referral):
    client.force_login(link_worker)
    follow_up = timezone.localdate() + timedelta(days=14)
    client.post(
        reverse("casework:record_contact", args=[allocated_referral.pk]),
        contact_data(
            **{
                "next_follow_up_on[day]": follow_up.day,
                "next_follow_up_on[month]": follow_up.month,
                "next_follow_up_on[year]": follow_up.year,
            }
        ),
    )
    allocated_referral.refresh_from_db()
    assert allocated_referral.next_action == "Follow-up"
    assert allocated_referral.next_action_due == follow_up


def test_what_matters_conflict_keeps_both_texts(
    client, link_worker, other_link_worker, active_referral
):
    client.force_login(link_worker)
    client.post(
        reverse("casework:what_matters", args=[active_referral.pk]),
        {"text": "Her garden.", "replaces": ""},
    )
    first = WhatMatters.objects.get()
    record_what_matters(
        by=other_link_worker, referral=active_referral, text="Her grandson.", replaces=first
    )
    response = client.post(
        reverse("casework:what_matters", args=[active_referral.pk]),
        {"text": "Her garden and her cat.", "replaces": str(first.pk)},
    )
    body = page(response)
    assert "Someone else saved" in body
    assert "Her grandson." in body
    assert "Her garden and her cat." in body
    assert WhatMatters.objects.count() == 2


def test_discharge_declined_records_snomed(client, link_worker, active_referral):
    client.force_login(link_worker)
    reason = DischargeReason.objects.get(code="declined")
    client.post(
        reverse("casework:discharge", args=[active_referral.pk]),
        {"reason": reason.pk, "version": active_referral.version},
    )
    active_referral.refresh_from_db()
    assert active_referral.status == Status.DISCHARGED
    body = page(client.get(reverse("casework:case", args=[active_referral.pk])))
    assert "871711000000103" in body


def test_discharge_other_needs_summary(client, link_worker, active_referral):
    client.force_login(link_worker)
    reason = DischargeReason.objects.get(code="other")
    response = client.post(
        reverse("casework:discharge", args=[active_referral.pk]),
        {"reason": reason.pk, "version": active_referral.version},
    )
    assert "Say why the person is being discharged" in page(response)


def test_contact_on_discharged_case_refused(client, link_worker, active_referral):
    client.force_login(link_worker)
    reason = DischargeReason.objects.get(code="goals-met")
    client.post(
        reverse("casework:discharge", args=[active_referral.pk]),
        {"reason": reason.pk, "version": active_referral.version},
    )
    response = client.post(
        reverse("casework:record_contact", args=[active_referral.pk]), contact_data()
    )
    assert "can only be worked on once it is allocated" in page(response)


def test_viewing_case_is_audited(client, link_worker, active_referral):
    from core.models import AuditEvent

    client.force_login(link_worker)
    client.get(reverse("casework:case", args=[active_referral.pk]))
    audit = AuditEvent.objects.filter(kind="view", actor=link_worker).latest("at")
    assert audit.person_id == active_referral.person_id
    assert audit.verb == "view_case"


def test_goal_review_conflict_keeps_typed_progress(
    client, link_worker, other_link_worker, active_referral
):
    from casework.actions import review_goal, set_goal

    goal = set_goal(by=link_worker, referral=active_referral, description="Walk more")
    review_goal(by=other_link_worker, goal=goal, version=1, status="partly", progress="Twice")
    client.force_login(link_worker)
    url = reverse("casework:review_goal", args=[active_referral.pk, goal.pk])
    response = client.post(url, {"status": "achieved", "progress": "Every day now", "version": "1"})
    body = page(response)
    assert "Someone else reviewed this goal" in body
    assert "Every day now" in body
    assert 'name="version" value="2"' in body
    response = client.post(url, {"status": "achieved", "progress": "Every day now", "version": "2"})
    assert response.status_code == 302


def test_discharge_conflict_is_reported(
    client, link_worker, team_lead, other_link_worker, active_referral
):
    from tests import factories

    stale = active_referral.version
    factories.allocate(active_referral, by=team_lead, worker=other_link_worker)
    client.force_login(link_worker)
    reason = DischargeReason.objects.get(code="goals-met")
    response = client.post(
        reverse("casework:discharge", args=[active_referral.pk]),
        {"reason": reason.pk, "version": stale, "note": "All done"},
    )
    body = page(response)
    assert "Someone else changed this referral" in body and "All done" in body
    active_referral.refresh_from_db()
    assert active_referral.status == Status.ACTIVE
