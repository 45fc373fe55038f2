"""Providers see the referrals sent to their own activities and nothing else of the person;
nobody else can answer them. Every onward URL, GET and POST, as every persona."""

import pytest
from django.urls import reverse

from core.errors import ConcurrentChange
from onward import actions
from onward.models import OnwardReferral
from onward.states import Status
from tests import factories
from tests.concurrency import race

PROVIDER_POSTS = ["provider_answer", "provider_attendance", "provider_finish", "provider_note"]
CASE_POSTS = ["case_cancel", "case_stop", "case_note"]


@pytest.fixture
def sent(active_referral, link_worker, provider, area):
    listing = factories.activity(area=area, name="Happy Cafe", owner=provider.organisation)
    return actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("other_provider", 404),  # exists, but not theirs: not even a hint
        ("link_worker", 403),
        ("team_lead", 403),
        ("referrer", 403),
        ("commissioner", 403),
        ("directory_editor", 403),
        ("other_area_link_worker", 403),
    ],
)
def test_nobody_but_the_provider_reaches_the_provider_pages(
    client, request, sent, persona, expected
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("onward:provider_referral", args=[sent.pk])).status_code == expected
    for name in PROVIDER_POSTS:
        response = client.post(reverse(f"onward:{name}", args=[sent.pk]), {})
        assert response.status_code == expected, name
    sent.refresh_from_db()
    assert sent.status == Status.SENT and sent.version == 1


@pytest.mark.django_db
def test_other_providers_see_nothing_in_their_inbox(client, other_provider, sent):
    client.force_login(other_provider)
    for tab in ["answer", "waiting", "taking-part", "closed"]:
        body = client.get(reverse("onward:provider_referrals"), {"show": tab}).content.decode()
        assert sent.referral.person.family_name not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("provider", 403),
        ("other_provider", 403),
        ("referrer", 403),
        ("other_area_link_worker", 404),
    ],
)
def test_only_the_service_reaches_the_case_side(client, request, sent, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    referral = sent.referral
    urls = [
        reverse("onward:case_onward", args=[referral.pk, sent.pk]),
        reverse("onward:refer", args=[referral.pk, sent.service_id]),
        reverse("onward:signpost", args=[referral.pk]),
        reverse("casework:case", args=[referral.pk]),
        reverse("casework:consent", args=[referral.pk]),
        reverse("casework:contact_details", args=[referral.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == expected, url
    for name in CASE_POSTS:
        url = reverse(f"onward:{name}", args=[referral.pk, sent.pk])
        assert client.post(url, {}).status_code == expected, url
    sent.refresh_from_db()
    assert sent.status == Status.SENT


@pytest.mark.django_db
def test_a_provider_cannot_answer_another_providers_referral_by_action(other_provider, sent):
    from core.errors import ActionError

    with pytest.raises(ActionError, match="Only the provider it was sent to"):
        actions.accept(by=other_provider, onward=sent, version=sent.version)


@pytest.mark.django_db(transaction=True)
def test_two_provider_staff_answering_at_once_one_wins(
    active_referral, link_worker, provider, area
):
    listing = factories.activity(
        area=area, name="Happy Cafe", owner=provider.organisation, capacity=5, maximum=10
    )
    sent = actions.refer_to_activity(by=link_worker, referral=active_referral, service=listing)
    colleague = factories.user(organisation=provider.organisation, role="provider")
    results = race(
        [
            lambda: actions.accept(by=provider, onward=sent, version=sent.version),
            lambda: actions.decline(
                by=colleague, onward=sent, version=sent.version, reason="not_suitable"
            ),
        ],
        timeout=60,
    )
    winners = [r for r in results if isinstance(r, OnwardReferral)]
    losers = [
        r for r in results if isinstance(r, ConcurrentChange | Exception) and r not in winners
    ]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "Someone else has just changed" in losers[0].message
    sent.refresh_from_db()
    assert sent.status == winners[0].status
    assert sent.events.filter(to_status__in=[Status.ACCEPTED, Status.DECLINED]).count() == 1
    listing.refresh_from_db()
    assert listing.capacity_available == (4 if sent.status == Status.ACCEPTED else 5)
