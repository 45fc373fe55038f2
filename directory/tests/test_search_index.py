"""The search index is derived data: every action that changes a listing keeps it in step,
and rebuilding it from scratch gives the same answers."""

import pytest
from django.core.management import call_command

from directory import actions
from directory.models import SearchDocument, SearchEntry, Service
from directory.search import Query, search
from tests import factories

pytestmark = pytest.mark.django_db

TOWCESTER = {"latitude": 52.13, "longitude": -0.99}


def test_spare_places_show_in_search_at_once(area):
    service = factories.activity(area=area, name="Cafe", capacity=5, maximum=10)
    actions.update_capacity(by=None, service=service, available=0)
    match = search(Query(needs=["loneliness"], **TOWCESTER)).matches[0]
    assert match.full and "full — join the waiting list" in match.reasons


def test_unpublished_and_closed_listings_leave_search_but_keep_their_words(area):
    service = factories.activity(area=area, name="Cafe")
    Service.objects.filter(pk=service.pk).update(status=Service.Status.TEMPORARILY_CLOSED)
    from directory import search_index

    search_index.refresh([service.pk])
    assert search(Query(needs=["loneliness"], **TOWCESTER)).total == 0
    assert SearchDocument.objects.filter(service=service).exists()  # Open Referral search


def test_rebuild_gives_the_same_answers(area):
    for i in range(5):
        factories.activity(area=area, name=f"Cafe {i}", latitude=52.13 + i / 100)
    before = search(Query(text="cafe", **TOWCESTER))
    SearchEntry.objects.all().delete()
    assert search(Query(text="cafe", **TOWCESTER)).total == 0
    call_command("rebuild_search_index", verbosity=0)
    after = search(Query(text="cafe", **TOWCESTER))
    assert [m.name for m in after.matches] == [m.name for m in before.matches]
    assert after.total == 5


def test_deleting_a_listing_takes_it_out_of_every_index(area):
    service = factories.activity(area=area, name="Cafe")
    Service.objects.filter(pk=service.pk).delete()
    assert not SearchEntry.objects.exists() and not SearchDocument.objects.exists()
    assert search(Query(text="cafe")).total == 0
