"""Graded relevance (ADR 0011 §3), as a second reading found it wanting: a word this
process's statistics do not know yet still finds its listing, and asking for near misses
does not change the matches' scores or order."""

import pytest

from directory import word_stats
from directory.models import WordStat
from directory.search import Query, search
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_word_the_statistics_do_not_know_still_finds_its_listing(area):
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    # A listing whose words the statistics missed (written by code that kept none, while
    # migration 0013 was deployed): the text index still finds it by its words.
    factories.activity(area=area, name="Zumba Gold", description="Gentle dance workouts.")
    WordStat.objects.filter(stem="zumba").delete()
    assert word_stats.for_stems(["zumba"]).df.get("zumba", 0) == 0
    result = search(Query(text="zumba", latitude=52.13, longitude=-0.99))
    assert [m.name for m in result.matches] == ["Zumba Gold"]


def test_near_misses_asked_for_change_no_match_or_score(area):
    factories.activity(area=area, name="Coffee morning", description="Tea, cake and a chat.")
    factories.activity(area=area, name="Choir", description="Tea and songs.", byday="TU")
    # A near miss (Thursdays only) with far more of the words than any match.
    factories.activity(
        area=area,
        name="Tea Tea Tea",
        description="Tea, tea and more tea: a tea dance with tea.",
        byday="TH",
    )
    query = Query(text="tea", latitude=52.13, longitude=-0.99, days=["tue"])
    plain = search(query)
    with_near = search(Query(**{**query.__dict__, "include_near": True}))
    assert [m.name for m in with_near.near_misses] == ["Tea Tea Tea"]
    assert [(m.name, m.score) for m in with_near.matches] == [
        (m.name, m.score) for m in plain.matches
    ]
