import re
from html import unescape

import pytest
from django.urls import reverse

from casework.models import ActivitySuggestion
from referrals.models import ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def test_find_for_person_prefilled_from_referral(client, link_worker, active_referral, area):
    factories.activity(area=area, name="Befriending calls", needs=("loneliness",))
    factories.activity(area=area, name="Debt advice", needs=("money-debt",))
    client.force_login(link_worker)
    body = page(client.get(reverse("casework:find_activities", args=[active_referral.pk])))
    assert 'value="NN12 6AB"' in body
    assert re.search(r'<option value="10" selected\s*>Within 10 km', body)  # as searched
    assert "Befriending calls" in body and "Debt advice" not in body
    assert "meets: loneliness or isolation" in body


def test_shortlist_records_event_and_shows_on_case(client, link_worker, active_referral, area):
    service = factories.activity(area=area, name="Befriending calls")
    client.force_login(link_worker)
    url = reverse("casework:suggest_activity", args=[active_referral.pk])
    response = client.post(url, {"service": service.pk})
    assert response.status_code == 302
    assert ActivitySuggestion.objects.filter(referral=active_referral, service=service).exists()
    assert ReferralEvent.objects.filter(
        referral=active_referral, summary="Activity suggested: Befriending calls"
    ).exists()
    body = page(client.get(reverse("casework:case", args=[active_referral.pk])))
    assert "Befriending calls" in body
    again = client.post(url, {"service": service.pk}, follow=True)
    assert "already on the shortlist" in page(again)
    assert ActivitySuggestion.objects.count() == 1


def test_cannot_shortlist_other_areas_activity(client, link_worker, active_referral):
    elsewhere = factories.activity(area=factories.area(), name="Elsewhere")
    client.force_login(link_worker)
    response = client.post(
        reverse("casework:suggest_activity", args=[active_referral.pk]), {"service": elsewhere.pk}
    )
    assert response.status_code == 404


def test_public_find_bad_postcode_named(client, db):
    body = page(client.get(reverse("directory:find"), {"postcode": "nonsense"}))
    assert "There is a problem" in body and "is not a postcode" in body


def test_public_find_needs_something(client, db):
    body = page(client.get(reverse("directory:find"), {"postcode": "", "q": ""}))
    assert "Enter a postcode, what you are looking for" in body


def test_public_listing_page(client, area):
    service = factories.activity(area=area, name="Happy Cafe", capacity=3, maximum=10)
    body = page(client.get(reverse("directory:activity", args=[service.pk])))
    assert "Tuesdays 10:00–12:00" in body and "3 places available" in body and "Free" in body


def test_public_search_page_queries_constant(
    client, area, django_assert_max_num_queries, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory import search

    # The synonyms are read again once a minute: loaded here, they must not fall due between
    # the two requests compared (CI saw one extra query when they did).
    search.forget_synonyms()
    monkeypatch.setattr(search, "SYNONYM_CACHE_SECONDS", 3600)

    for i in range(3):
        factories.activity(area=area, name=f"Cafe {i}")
    client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "q": "lonely"})  # caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "q": "lonely"})
    for i in range(15):
        factories.activity(area=area, name=f"More {i}", needs=("loneliness", "carer"))
    # The engine reads the directory's towns and word statistics again once after the index
    # changes (directory.search._sync_caches): a read per change, not per listing.
    client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "q": "lonely"})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "q": "lonely"})
    assert len(many) == len(few)


def test_when_they_are_free_is_recorded_and_starts_the_search(
    client, link_worker, active_referral, area
):
    factories.activity(area=area, name="Tuesday cafe", byday="TU", latitude=52.131)
    factories.activity(area=area, name="Thursday cafe", byday="TH", latitude=52.15)
    client.force_login(link_worker)
    url = reverse("casework:availability", args=[active_referral.pk])
    response = client.post(
        url, {"days": ["thu", "fri"], "time_of_day": "morning", "notes": "not in school holidays"}
    )
    assert response.status_code == 302
    case = page(client.get(reverse("casework:case", args=[active_referral.pk])))
    assert "Thu, Fri, mornings (not in school holidays)" in case
    assert ReferralEvent.objects.filter(
        referral=active_referral, kind=ReferralEvent.Kind.AVAILABILITY
    ).exists()

    body = page(client.get(reverse("casework:find_activities", args=[active_referral.pk])))
    # Pre-filled: the Thursday cafe fits; the Tuesday one clashes, so it is not a match
    # (ADR 0011: it was a match lower down) but shown apart as nearly fitting.
    matches, _, nearly = body.partition("Nearly fits")
    assert "Thursday cafe" in matches and "Tuesday cafe" not in matches
    assert "Thursdays 10:00–12:00 — you are free" in matches
    assert "Tuesdays 10:00–12:00 — not when you are free" in nearly


def test_their_age_keeps_out_what_they_cannot_join(client, link_worker, active_referral, area):
    factories.activity(area=area, name="Under-fives stay and play", min_age=0, max_age=5)
    factories.activity(area=area, name="Cafe for all")
    client.force_login(link_worker)
    body = page(client.get(reverse("casework:find_activities", args=[active_referral.pk])))
    # ADR 0011: not among the matches; shown apart, as nearly fitting, with why.
    matches, _, nearly = body.partition("Nearly fits")
    assert "Cafe for all" in matches and "Under-fives" not in matches
    assert "Under-fives stay and play" in nearly and "for ages 0–5" in nearly


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"days": ["someday"]}, "Select a valid choice"),
        ({"time_of_day": "midnight"}, "Select a valid choice"),
        ({"notes": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_availability_named_and_nothing_saved(
    client, link_worker, active_referral, data, message
):
    from casework.models import Availability

    client.force_login(link_worker)
    response = client.post(reverse("casework:availability", args=[active_referral.pk]), data)
    assert response.status_code == 200 and message in page(response)
    assert not Availability.objects.exists()


def test_public_find_by_age(client, area):
    factories.activity(area=area, name="Teen group", min_age=13, max_age=18)
    factories.activity(area=area, name="Cafe for all")
    body = page(client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "age": "70"}))
    # ADR 0011: not among the matches; shown apart, as nearly fitting, with why.
    matches, _, nearly = body.partition("Nearly fits")
    assert "Cafe for all" in matches and "Teen group" not in matches
    assert "Teen group" in nearly and "for ages 13–18" in nearly
    body = page(client.get(reverse("directory:find"), {"postcode": "NN12 6AB", "age": "old"}))
    assert "Enter your age in years" in body
