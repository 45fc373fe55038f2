"""Pages that must not grow with history: the team's caseload counts and the provider's closed
tab run the same queries with 1 closed referral as with 20, and count what they say they
count (bench/query_plans.py shows their plans at 1.5 million referrals)."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.actions import discharge_case
from casework.queries import workers_with_caseload
from onward import actions as onward_actions
from onward.models import OnwardReferral
from referrals.models import DischargeReason
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _background_status_uncached(settings):
    # Team leads' pages ask once whether background work is behind and reuse the answer for
    # a while: count that query on every page, so that counts compare.
    settings.BACKGROUND_STATUS_CACHE_SECONDS = 0


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), unescape(response.content.decode())


def closed_cases(n, *, referrer, service, team_lead, worker):
    reason = DischargeReason.objects.order_by("position").first()
    for _ in range(n):
        referral = factories.allocate(
            factories.referral(by=referrer, service=service), by=team_lead, worker=worker
        )
        discharge_case(by=team_lead, referral=referral, version=referral.version, reason=reason)


def held_case(*, referrer, service, team_lead, worker, follow_up_in_days=None):
    referral = factories.allocate(
        factories.referral(by=referrer, service=service), by=team_lead, worker=worker
    )
    if follow_up_in_days is not None:
        factories.contact(
            referral,
            by=worker,
            next_follow_up_on=timezone.localdate() + timedelta(days=follow_up_in_days),
        )
    return referral


# --- The team's caseload counts ---------------------------------------------------------------


def test_team_page_queries_do_not_grow_with_closed_cases(
    client, team_lead, link_worker, referrer, service
):
    client.force_login(team_lead)
    held_case(referrer=referrer, service=service, team_lead=team_lead, worker=link_worker)
    kw = {"referrer": referrer, "service": service, "team_lead": team_lead, "worker": link_worker}
    closed_cases(1, **kw)
    few, _ = queries(client, reverse("casework:team"))
    closed_cases(19, **kw)
    many, body = queries(client, reverse("casework:team"))
    assert many == few
    # …and the twenty closed cases are not counted as open.
    row = re.search(r">Lin Worker</a></td>(.*?)</tr>", body, re.S)
    assert row and re.findall(r">(\d+)<", row.group(1)) == ["1", "0"]


def test_caseload_counts_only_cases_held_now(
    team_lead, link_worker, other_link_worker, referrer, service, area
):
    kw = {"referrer": referrer, "service": service, "team_lead": team_lead}
    held_case(**kw, worker=link_worker, follow_up_in_days=2)
    held_case(**kw, worker=link_worker, follow_up_in_days=10)
    held_case(**kw, worker=link_worker)  # nothing scheduled: never overdue
    closed_cases(3, **kw, worker=link_worker)
    closed_cases(2, **kw, worker=other_link_worker)
    factories.referral(by=referrer, service=service)  # awaiting triage: nobody's yet
    # A worker of another service, with a case of their own, is not on this team.
    elsewhere = factories.service(area=area)
    stranger = factories.user(organisation=elsewhere, role="link_worker")
    held_case(
        referrer=referrer,
        service=elsewhere,
        team_lead=factories.user(organisation=elsewhere, role="team_lead"),
        worker=stranger,
    )
    with time_machine.travel(timezone.now() + timedelta(days=5), tick=False):
        counts = {w.pk: (w.open_cases, w.overdue) for w in workers_with_caseload(service)}
    assert counts == {link_worker.pk: (3, 1), other_link_worker.pk: (0, 0)}


def test_a_switched_off_worker_is_not_offered(team_lead, link_worker, service):
    from accounts.models import User

    User.objects.filter(pk=link_worker.pk).update(is_active=False)
    assert link_worker.pk not in {w.pk for w in workers_with_caseload(service)}


def test_caseload_counts_are_the_same_on_the_allocate_page(
    client, team_lead, link_worker, referrer, service
):
    kw = {"referrer": referrer, "service": service, "team_lead": team_lead, "worker": link_worker}
    held_case(**kw)
    closed_cases(2, **kw)
    waiting = factories.referral(by=referrer, service=service)
    client.force_login(team_lead)
    body = unescape(client.get(reverse("referrals:allocate", args=[waiting.pk])).content.decode())
    assert "1 open cases" in body


def ids(response):
    return re.findall(r"/provider/referrals/([0-9a-f-]{36})/", response.content.decode())


# --- The provider's closed tab ----------------------------------------------------------------


@pytest.fixture
def listing(area, provider):
    return factories.activity(area=area, name="Happy Cafe", owner=provider.organisation)


def declined(n, *, referral, listing, link_worker, provider, clock=None):
    """n activity referrals of one case, each declined by the provider: closed."""
    made = []
    for _ in range(n):
        if clock is not None:
            clock.shift(timedelta(minutes=1))
        onward = onward_actions.refer_to_activity(
            by=link_worker, referral=referral, service=listing
        )
        made.append(
            onward_actions.decline(
                by=provider, onward=onward, version=onward.version, reason="full"
            )
        )
    return made


def test_closed_tab_queries_do_not_grow_with_closed_referrals(
    client, provider, link_worker, active_referral, listing
):
    client.force_login(provider)
    url = reverse("onward:provider_referrals") + "?show=closed"
    kw = {"referral": active_referral, "listing": listing, "link_worker": link_worker}
    declined(1, provider=provider, **kw)
    few, body = queries(client, url)
    assert "Closed (1)" in body
    declined(19, provider=provider, **kw)
    many, body = queries(client, url)
    assert many == few
    assert "Closed (20)" in body and "To answer (0)" in body


def test_the_tabs_are_counted_in_two_queries(
    client, provider, link_worker, active_referral, listing
):
    declined(
        2, referral=active_referral, listing=listing, link_worker=link_worker, provider=provider
    )
    onward_actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)
    client.force_login(provider)
    with CaptureQueriesContext(connection) as ctx:
        body = unescape(client.get(reverse("onward:provider_referrals")).content.decode())
    counting = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # One aggregate for the open tabs, one (limited) count of the closed: not one each, and
    # not the tab's rows counted again for its pages.
    assert len(counting) == 2
    assert "To answer (1)" in body and "Waiting list (0)" in body
    assert "Taking part (0)" in body and "Closed (2)" in body


def test_the_closed_tab_counts_and_lists_only_the_latest(
    client, provider, link_worker, active_referral, listing, monkeypatch
):
    from onward import queries
    from onward.views import provider as provider_views

    monkeypatch.setattr(queries, "CLOSED_COUNT_LIMIT", 3)
    monkeypatch.setattr(provider_views, "CLOSED_COUNT_LIMIT", 3)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        made = declined(
            5,
            referral=active_referral,
            listing=listing,
            link_worker=link_worker,
            provider=provider,
            clock=clock,
        )
    client.force_login(provider)
    response = client.get(reverse("onward:provider_referrals"), {"show": "closed", "page": 2})
    body = unescape(response.content.decode())
    assert "Closed (3+)" in body
    assert "These are the 3 most recently closed. Older ones are kept" in body
    assert ids(response) == [str(o.pk) for o in reversed(made)][:3]
    # Under the limit nothing is said about older ones.
    monkeypatch.setattr(queries, "CLOSED_COUNT_LIMIT", 10)
    monkeypatch.setattr(provider_views, "CLOSED_COUNT_LIMIT", 10)
    response = client.get(reverse("onward:provider_referrals"), {"show": "closed"})
    assert "most recently closed" not in unescape(response.content.decode())


def test_closed_tab_is_newest_first_and_pages(
    client, provider, link_worker, active_referral, listing
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        made = declined(
            27,
            referral=active_referral,
            listing=listing,
            link_worker=link_worker,
            provider=provider,
            clock=clock,
        )
        client.force_login(provider)
        url = reverse("onward:provider_referrals")
        first = client.get(url, {"show": "closed"})
        second = client.get(url, {"show": "closed", "page": 2})
    newest_first = [str(o.pk) for o in reversed(made)]
    assert ids(first) == newest_first[:25]
    assert ids(second) == newest_first[25:]
    assert "Closed (27)" in unescape(second.content.decode())


def test_another_provider_sees_none_of_them(
    client, provider, other_provider, link_worker, active_referral, listing
):
    declined(
        3, referral=active_referral, listing=listing, link_worker=link_worker, provider=provider
    )
    client.force_login(other_provider)
    _, body = queries(client, reverse("onward:provider_referrals") + "?show=closed")
    assert "Closed (0)" in body and active_referral.person.family_name not in body
    assert OnwardReferral.objects.for_provider(other_provider).count() == 0


def test_an_unknown_tab_or_page_shows_the_first(
    client, provider, link_worker, active_referral, listing
):
    declined(
        1, referral=active_referral, listing=listing, link_worker=link_worker, provider=provider
    )
    client.force_login(provider)
    url = reverse("onward:provider_referrals")
    response = client.get(url, {"show": "everything", "page": "zzz"})
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert 'aria-current="page">To answer (0)' in body
    last = client.get(url, {"show": "closed", "page": 99})
    assert last.status_code == 200 and "Closed (1)" in unescape(last.content.decode())
