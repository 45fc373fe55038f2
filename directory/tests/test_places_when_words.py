"""Month and weekday names are when, not where, even where a town has the name ("book club
in March" in Northamptonshire is not March, Cambridgeshire)."""

import pytest

from directory import places
from directory.places import WHEN_WORDS, find_place
from tests import factories

pytestmark = pytest.mark.django_db

MARCH = [(52.5510, 0.0880), (52.5520, 0.0890), (52.5530, 0.0900)]


@pytest.fixture
def march(area):
    # A directory town named March, with three listings: a town of the directory.
    for i, (lat, lon) in enumerate(MARCH):
        factories.activity(
            area=area, name=f"March group {i}", town="March", latitude=lat, longitude=lon
        )
    places.forget()
    yield
    places.forget()


@pytest.mark.parametrize("words", ["book club in March", "march walking group", "meet on Friday"])
def test_a_month_or_weekday_is_never_the_place(march, words):
    assert find_place(words) is None


def test_the_outcode_cities_have_a_calendar_town_the_rule_covers():
    # The shipped outcodes name March (PE15): the rule is not about a town that is not there.
    cities = places._outcode_cities()
    assert ("march",) in cities
    assert all(len(w.split()) == 1 for w in WHEN_WORDS)


def test_a_postcode_still_places_a_search_in_march(march):
    found = find_place("book club PE15")
    assert found is not None and found.words == "book club"
