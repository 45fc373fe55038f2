from html import unescape

import pytest
from django.urls import reverse

from referrals.models import Referral, ReferralEvent
from referrals.states import Status
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def test_triage_queue_oldest_first_with_waiting_time(
    client, team_lead, referrer, service, time_machine
):
    time_machine.move_to("2026-11-01 09:00")
    older = factories.referral(by=referrer, service=service)
    time_machine.move_to("2026-11-10 09:00")
    newer = factories.referral(by=referrer, service=service)
    client.force_login(team_lead)
    body = page(client.get(reverse("referrals:triage")))
    assert body.index(older.person.full_name) < body.index(newer.person.full_name)
    assert "9 days" in body


def test_accept_then_allocate(client, team_lead, referral, link_worker):
    client.force_login(team_lead)
    response = client.post(
        reverse("referrals:triage_referral", args=[referral.pk]),
        {"decision": "accept", "version": referral.version},
    )
    assert response["Location"] == reverse("referrals:allocate", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    body = page(client.get(reverse("referrals:allocate", args=[referral.pk])))
    assert "0 open cases" in body
    client.post(
        reverse("referrals:allocate", args=[referral.pk]),
        {"worker": link_worker.pk, "version": referral.version},
    )
    referral.refresh_from_db()
    assert referral.status == Status.ALLOCATED
    assert referral.allocated_to == link_worker


def test_decline_needs_reason(client, team_lead, referral):
    client.force_login(team_lead)
    response = client.post(
        reverse("referrals:triage_referral", args=[referral.pk]),
        {"decision": "decline", "version": referral.version},
    )
    assert "Choose why you are declining the referral" in page(response)
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED


def test_redirect_needs_destination(client, team_lead, referral):
    client.force_login(team_lead)
    response = client.post(
        reverse("referrals:triage_referral", args=[referral.pk]),
        {"decision": "redirect", "redirected_to": " ", "version": referral.version},
    )
    assert "Enter the service you are redirecting them to" in page(response)


def test_decline_with_reason_closes(client, team_lead, referral):
    client.force_login(team_lead)
    client.post(
        reverse("referrals:triage_referral", args=[referral.pk]),
        {"decision": "decline", "reason": "needs_clinical_care", "version": referral.version},
    )
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    assert referral.closed_at is not None


def test_two_team_leads_allocating_one_wins_other_told(
    client, team_lead, service, referral, link_worker, other_link_worker
):
    second_lead = factories.user(organisation=service, role="team_lead")
    seen_version = referral.version
    client.force_login(team_lead)
    client.post(
        reverse("referrals:allocate", args=[referral.pk]),
        {"worker": link_worker.pk, "version": seen_version},
    )
    client.force_login(second_lead)
    response = client.post(
        reverse("referrals:allocate", args=[referral.pk]),
        {"worker": other_link_worker.pk, "version": seen_version},
        follow=True,
    )
    assert "Someone else changed this referral" in page(response)
    referral.refresh_from_db()
    assert referral.allocated_to == link_worker
    assert ReferralEvent.objects.filter(referral=referral, to_status=Status.ALLOCATED).count() == 1


def test_allocate_to_worker_of_other_service_refused(
    client, team_lead, referral, other_area_link_worker
):
    client.force_login(team_lead)
    response = client.post(
        reverse("referrals:allocate", args=[referral.pk]),
        {"worker": other_area_link_worker.pk, "version": referral.version},
    )
    assert "Choose a link worker from the list" in page(response)
    assert Referral.objects.get(pk=referral.pk).status == Status.RECEIVED


def test_triage_of_already_triaged_referral_redirects_with_message(
    client, team_lead, allocated_referral
):
    client.force_login(team_lead)
    response = client.get(
        reverse("referrals:triage_referral", args=[allocated_referral.pk]), follow=True
    )
    assert "already been triaged" in page(response)
