"""Hot pages run the same number of queries whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.actions import record_what_matters, set_goal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _background_status_uncached(settings):
    # Team leads' pages ask once whether background work is behind (core/background.py) and
    # reuse the answer for a while; count that query on every page, so counts compare.
    settings.BACKGROUND_STATUS_CACHE_SECONDS = 0


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_referrals(n, *, referrer, service, team_lead=None, worker=None):
    made = []
    for _ in range(n):
        referral = factories.referral(by=referrer, service=service, needs=("loneliness", "carer"))
        if worker:
            referral = factories.allocate(referral, by=team_lead, worker=worker)
            factories.contact(referral, by=worker)
        made.append(referral)
    return made


def test_triage_queue_queries_constant(client, team_lead, referrer, service, link_worker):
    client.force_login(team_lead)
    add_referrals(2, referrer=referrer, service=service)
    few = count_queries(client, reverse("referrals:triage"))
    add_referrals(12, referrer=referrer, service=service)
    assert count_queries(client, reverse("referrals:triage")) == few
    print(f"triage queue: {few} queries")


def test_caseload_queries_constant(client, team_lead, referrer, service, link_worker):
    client.force_login(link_worker)
    add_referrals(2, referrer=referrer, service=service, team_lead=team_lead, worker=link_worker)
    few = count_queries(client, reverse("casework:caseload"))
    add_referrals(12, referrer=referrer, service=service, team_lead=team_lead, worker=link_worker)
    assert count_queries(client, reverse("casework:caseload")) == few
    print(f"caseload: {few} queries")


def test_sent_list_queries_constant(client, referrer, service):
    client.force_login(referrer)
    add_referrals(2, referrer=referrer, service=service)
    few = count_queries(client, reverse("referrals:sent"))
    add_referrals(12, referrer=referrer, service=service)
    assert count_queries(client, reverse("referrals:sent")) == few


def test_team_page_queries_constant(client, team_lead, service):
    client.force_login(team_lead)
    factories.user(organisation=service, role="link_worker")
    few = count_queries(client, reverse("casework:team"))
    for _ in range(8):
        factories.user(organisation=service, role="link_worker")
    assert count_queries(client, reverse("casework:team")) == few


def test_case_page_queries_constant(client, link_worker, active_referral):
    client.force_login(link_worker)
    url = reverse("casework:case", args=[active_referral.pk])
    few = count_queries(client, url)
    previous = None
    for i in range(10):
        factories.contact(active_referral, by=link_worker, outcome="no_answer")
        set_goal(by=link_worker, referral=active_referral, description=f"Goal {i}")
        previous = record_what_matters(
            by=link_worker, referral=active_referral, text=f"Version {i}", replaces=previous
        )
    assert count_queries(client, url) == few
    print(f"case page: {few} queries")
