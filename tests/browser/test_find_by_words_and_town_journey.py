"""Given a member of the public with no postcode, when they type what they want and a
town's name ("choir in Kettering"), then the choir in Kettering comes first with why (what
it is about, that it is in Kettering), the results say they are near Kettering, and a
postcode entered instead moves the search there. Every page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KETTERING = (52.3980, -0.7250)
CORBY = (52.4900, -0.6900)


def listings_in(area, town, at, *named):
    """Three library sessions (a town's name is a place once three listings are there),
    and `named` ((name, description)) there too."""
    for i in range(3):
        factories.activity(
            area=area,
            name=f"{town} library drop-in {i + 1}",
            needs=("loneliness",),
            town=town,
            latitude=at[0] + i / 1000,
            longitude=at[1],
            description=f"Drop in at {town} library for a chat and the papers.",
        )
    for name, description in named:
        factories.activity(
            area=area,
            name=name,
            needs=(),
            town=town,
            latitude=at[0] + 0.004,
            longitude=at[1],
            description=description,
        )


def test_visitor_finds_the_choir_in_kettering_from_words_alone(page, area):
    listings_in(
        area,
        "Kettering",
        KETTERING,
        # Before the choir by name, and mentions a choir in passing.
        (
            "Abbey Road coffee morning",
            "Tea, cake and a chat. The choir sometimes calls in after practice; there are "
            "papers to read and games to play on the tables by the window.",
        ),
        (
            "Kettering Community Choir",
            "A friendly choir: we sing pop, folk and show tunes every week. No auditions.",
        ),
    )
    listings_in(area, "Corby", CORBY, ("Corby Singers", "A choir for all: come and sing."))
    factories.activity(area=area, name="Towcester Choir", needs=(), description="We sing.")

    # Given the find page, with no postcode
    page.goto("/find/")
    assert_accessible(page)

    # When they type what they want and the town's name only
    page.get_by_label("What are you looking for?").fill("choir in Kettering")
    page.get_by_role("button", name="Search").click()

    # Then the results say where they are, and the choir in Kettering comes first, with why
    expect(
        page.get_by_role("heading", level=2, name=re.compile(r"found near Kettering$"))
    ).to_be_visible()
    expect(page.locator("[data-searched-near]")).to_contain_text(
        "Showing activities near Kettering (within 10 km), taken from your words."
    )
    first = page.locator(".nhsuk-card").first
    expect(first.get_by_role("link")).to_have_text("Kettering Community Choir")
    expect(first).to_contain_text("we sing pop, folk and show tunes")
    expect(first.get_by_role("listitem").filter(has_text="about choir")).to_have_count(1)
    expect(
        first.get_by_role("listitem").filter(has_text=re.compile(r"^in Kettering, \d+\.\d km$"))
    ).to_have_count(1)
    # The coffee morning's passing mention comes after the choir, though its name comes
    # first; the choir in Corby, some 11 km off, is not a match: it nearly fits, apart.
    expect(page.locator(".nhsuk-card__link")).to_have_text(
        ["Kettering Community Choir", "Abbey Road coffee morning", "Corby Singers"]
    )
    nearly = page.locator('[aria-labelledby="nearly-fits"]')
    expect(page.get_by_role("link", name="Corby Singers")).to_have_count(1)
    expect(nearly.get_by_role("link", name="Corby Singers")).to_have_count(1)
    expect(nearly).to_contain_text("further than 10 km")
    expect(page.get_by_role("link", name="Towcester Choir")).to_have_count(0)
    assert_accessible(page)

    # When they enter a postcode instead, from the link beside where it says so
    page.get_by_role("link", name="Enter a postcode").click()
    expect(page.get_by_label("Postcode")).to_be_in_viewport()
    page.get_by_label("Postcode").fill("NN12 6AB")
    page.get_by_role("button", name="Search").click()

    # Then the postcode is the place searched around
    expect(
        page.get_by_role("heading", level=2, name="1 activity found near NN12 6AB")
    ).to_be_visible()
    expect(page.locator("[data-searched-near]")).to_contain_text(
        "Showing activities near NN12 6AB (within 10 km)."
    )
    expect(page.locator(".nhsuk-card").first.get_by_role("link")).to_have_text("Towcester Choir")
    assert_accessible(page)
