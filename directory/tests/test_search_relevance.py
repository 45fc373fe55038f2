"""Graded text relevance and places in the words, in the one engine (ADR 0011 §1, §3)."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import evaluation
from directory import evaluation_checks as checks
from directory.search import Query, search
from geography.lookup import distance_km
from tests import factories

pytestmark = pytest.mark.django_db

DAVENTRY = (52.2565, -1.1620)
KETTERING = (52.3980, -0.7250)


def names(result):
    return [m.name for m in result.matches]


def town(area, name, at, *others):
    """Three listings in a town (a directory town needs three), and `others` there too
    as (name, description)."""
    for i in range(3):
        factories.activity(
            area=area,
            name=f"{name} library session {i}",
            needs=("loneliness",),
            town=name,
            latitude=at[0] + i / 1000,
            longitude=at[1],
            description=f"Drop in at {name} library for a chat.",
        )
    for other, description in others:
        factories.activity(
            area=area,
            name=other,
            town=name,
            latitude=at[0] + 0.004,
            longitude=at[1],
            description=description,
        )


@pytest.fixture
def towns(area):
    town(area, "Daventry", DAVENTRY, ("Daventry Community Choir", "We sing every week."))
    town(area, "Kettering", KETTERING, ("Kettering Community Choir", "We sing every week."))


@pytest.mark.parametrize("words", ["choir in Daventry", "choir daventry", "Daventry choir"])
def test_a_town_in_the_words_is_the_place(towns, words):
    result = search(Query(text=words))
    assert names(result) == ["Daventry Community Choir"]
    place = result.place
    assert place["name"] == "Daventry" and place["from"] == "words"
    assert distance_km(place["latitude"], place["longitude"], *DAVENTRY) < 1
    reason = result.matches[0].reasons
    assert any(r.startswith("in Daventry, ") and r.endswith(" km") for r in reason)
    assert "about choir" in reason


def test_a_postcode_given_wins_over_a_town_in_the_words(towns):
    # Searching from Kettering (as a postcode gives it) for "choir in Daventry": the place
    # given wins, and "Daventry" no longer counts as a word.
    result = search(Query(text="choir in Daventry", latitude=KETTERING[0], longitude=KETTERING[1]))
    assert result.place is None
    assert names(result) == ["Kettering Community Choir"]
    # From Daventry itself, the library sessions (whose words include "Daventry") are not
    # found by the town's name.
    here = search(Query(text="choir in Daventry", latitude=DAVENTRY[0], longitude=DAVENTRY[1]))
    assert names(here) == ["Daventry Community Choir"]


def test_no_town_in_the_words_searches_everywhere(towns):
    result = search(Query(text="community choir"))
    assert result.place is None
    assert sorted(names(result)) == ["Daventry Community Choir", "Kettering Community Choir"]


def test_the_evaluation_checks_distance_from_the_place_in_the_words(towns, area):
    result = search(Query(text="choir in Daventry"))
    checked = evaluation.placed_query(Query(text="choir in Daventry"), result.place)
    assert (checked.latitude, checked.longitude) == (
        result.place["latitude"],
        result.place["longitude"],
    )
    assert checked.radius_km == result.place["radius_km"]
    listed = checks.listings()
    by_name = {listing.name: listing for listing in listed.values()}
    assert checks.breaks(checked, by_name["Daventry Community Choir"]) == []
    assert checks.breaks(checked, by_name["Kettering Community Choir"])  # 30 km away
    # A place given in the query is the one checked.
    given = Query(latitude=KETTERING[0], longitude=KETTERING[1])
    assert evaluation.placed_query(given, result.place) is given


def test_a_name_match_ranks_above_a_passing_mention(area):
    factories.activity(
        area=area,
        name="Coffee morning",
        description="Tea, cake and a chat; the choir sometimes calls in after practice, "
        "and there are papers to read and games to play on the tables by the window.",
    )
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    result = search(Query(text="choir", latitude=52.13, longitude=-0.99))
    assert names(result) == ["Towcester Choir", "Coffee morning"]
    assert result.matches[0].score > result.matches[1].score
    assert "about choir" in result.matches[1].reasons


def test_stop_words_are_ignored(area):
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    factories.activity(area=area, name="Walking group", description="A gentle walk.")
    plain = search(Query(text="choir", latitude=52.13, longitude=-0.99))
    wordy = search(
        Query(text="I want to find a choir near me, please", latitude=52.13, longitude=-0.99)
    )
    assert names(wordy) == names(plain) == ["Towcester Choir"]
    assert [m.score for m in wordy.matches] == [m.score for m in plain.matches]


def test_one_common_word_no_longer_returns_the_directory(area):
    # ADR 0011 §3: "mental health support" returned every listing mentioning support.
    factories.activity(
        area=area,
        name="Mental health peer support",
        needs=("anxiety",),
        description="Peer support for your mental health.",
    )
    for i, kind in enumerate(["Knit and natter", "Bowls club", "Book club", "Lunch club"]):
        factories.activity(
            area=area,
            name=kind,
            needs=("physical-activity",),
            description=f"{kind} with friendly support from volunteers.",
            latitude=52.13 + i / 1000,
        )
    result = search(Query(text="mental health support", latitude=52.13, longitude=-0.99))
    assert names(result) == ["Mental health peer support"]
    assert result.total == 1
    # The common word alone still finds what has it.
    assert search(Query(text="support", latitude=52.13, longitude=-0.99)).total == 5


def test_equal_scores_go_nearest_then_first_listed_never_by_name(area):
    factories.activity(area=area, name="Zebra cafe", latitude=52.131)
    factories.activity(area=area, name="Aardvark cafe", latitude=52.131)
    factories.activity(area=area, name="Middle cafe", latitude=52.1305)
    result = search(Query(needs=["loneliness"], latitude=52.13, longitude=-0.99))
    assert names(result) == ["Middle cafe", "Zebra cafe", "Aardvark cafe"]
    assert result.matches[1].score == result.matches[2].score


@pytest.fixture
def small_directory(area):
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    factories.activity(area=area, name="Full cafe", capacity=0, maximum=10)
    town(area, "Daventry", DAVENTRY)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=60), placed=st.booleans(), context=st.text(max_size=30))
def test_any_text_searches_without_error_and_scores_stay_in_0_1(
    small_directory, text, placed, context
):
    query = Query(text=text, context_text=context, needs=["loneliness"] if placed else [])
    if placed:
        query = replace(query, latitude=52.13, longitude=-0.99, include_near=True)
    result = search(query)
    for match in [*result.matches, *result.near_misses]:
        assert 0.0 <= match.score <= 1.0


def test_a_listing_indexed_before_stems_were_kept_is_still_found(area):
    # After migration 0011 and before `rebuild_search_index`, documents have no stems.
    from directory.models import SearchDocument

    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    SearchDocument.objects.update(tokens={})
    result = search(Query(text="choir", latitude=52.13, longitude=-0.99))
    assert names(result) == ["Towcester Choir"]
