"""The public /find/ page says where it searched: the place the engine took from the words
("choir in Kettering"), or the postcode given, with how far, and how to change it; nothing
when the search had no place (issue 16, ADR 0011 §1)."""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

KETTERING = (52.3980, -0.7250)
DAVENTRY = (52.2565, -1.1620)
POSTCODE = "NN12 6AB"  # Towcester, where factories.activity puts listings by default


def body(client, **params):
    response = client.get(reverse("directory:find"), params)
    assert response.status_code == 200
    return unescape(response.content.decode())


def results_heading(html):
    return re.search(r"<h2>(\d+ activit(?:y|ies) found[^<]*)</h2>", html).group(1)


def searched_near(html):
    found = re.search(r"<p data-searched-near>(.*?)</p>", html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def cards(html):
    """(name, reasons) of each match, in order, before any "Nearly fits"."""
    matches = html.partition('<h2 id="nearly-fits">')[0]
    found = []
    for card in matches.split('<div class="nhsuk-card nhsuk-card--clickable">')[1:]:
        name = re.search(r'class="nhsuk-card__link"[^>]*>([^<]+)</a>', card).group(1)
        found.append((name, re.findall(r"<li>([^<]+)</li>", card)))
    return found


def town(area, name, at, spacing=0.001, *others):
    """Three listings in a town (a directory town needs three), `spacing` degrees of
    latitude apart, and `others` there too as (name, description)."""
    for i in range(3):
        factories.activity(
            area=area,
            name=f"{name} library session {i}",
            town=name,
            latitude=at[0] + i * spacing,
            longitude=at[1],
            description=f"Drop in at {name} library for a chat.",
        )
    for other, description in others:
        factories.activity(
            area=area,
            name=other,
            town=name,
            latitude=at[0] + spacing,
            longitude=at[1],
            description=description,
        )


@pytest.fixture
def towns(area):
    town(area, "Kettering", KETTERING, 0.001, ("Kettering Community Choir", "We sing every week."))
    town(area, "Daventry", DAVENTRY, 0.001, ("Daventry Community Choir", "We sing every week."))


def test_place_from_the_words_is_named_above_the_results(client, towns):
    html = body(client, q="choir in Kettering")
    assert results_heading(html) == "1 activity found near Kettering"
    assert "<title>1 activity found near Kettering" in html
    # The form's distance (10 km) is wider than the town: it is the one searched.
    assert searched_near(html) == (
        "Showing activities near Kettering (within 10 km), taken from your words. "
        "Enter a postcode to search around somewhere else."
    )
    # The way to change it leads to the postcode field on the same page.
    assert '<a href="#id_postcode">Enter a postcode</a>' in html
    assert 'id="id_postcode"' in html
    [(name, reasons)] = cards(html)
    assert name == "Kettering Community Choir"
    assert "about choir" in reasons
    assert any(re.fullmatch(r"in Kettering, \d+\.\d km", r) for r in reasons)


def test_a_town_wider_than_the_distance_asked_is_searched_whole(client, area):
    # Listings 0, 2.2 and 4.4 km north of each other (and one more in the middle): the
    # town's centre is between the middle two, its listings up to 2.2 km from it, so the
    # search reaches 2.2 + 2 km around it, more than the 2 km asked, shown in whole km.
    town(area, "Kettering", KETTERING, 0.02, ("Kettering Community Choir", "We sing."))
    html = body(client, q="choir in Kettering", radius="2")
    assert searched_near(html).startswith("Showing activities near Kettering (within 4 km)")


def test_postcode_given_is_named_with_the_distance_asked(client, area):
    factories.activity(area=area, name="Towcester cafe", description="Tea and a chat.")
    html = body(client, postcode="nn12 6ab", q="cafe", radius="5")
    assert results_heading(html) == f"1 activity found near {POSTCODE}"
    assert searched_near(html) == (
        f"Showing activities near {POSTCODE} (within 5 km). "
        "Change the postcode, or how far under More options."
    )
    assert '<a href="#id_postcode">Change the postcode</a>' in html
    [(name, reasons)] = cards(html)
    assert name == "Towcester cafe" and "about cafe" in reasons


def test_postcode_given_wins_over_a_town_in_the_words(client, towns, area):
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    html = body(client, postcode=POSTCODE, q="choir in Kettering")
    assert results_heading(html) == f"1 activity found near {POSTCODE}"
    assert "near Kettering" not in html
    assert [name for name, _ in cards(html)] == ["Towcester Choir"]


def test_no_place_no_place_heading(client, towns):
    html = body(client, q="community choir")
    assert results_heading(html) == "2 activities found"
    assert searched_near(html) is None
    assert "Showing activities near" not in html
    # Each match still says why it is there.
    for name, reasons in cards(html):
        assert name.endswith("Community Choir") and "about community, choir" in reasons


def test_no_search_no_place_heading(client, db):
    html = body(client)
    assert "Showing activities near" not in html and "found" not in html


def test_nearly_fits_is_on_the_last_page_only(client, area):
    for i in range(21):
        factories.activity(area=area, name=f"Cafe {i:02}", description="Tea and a chat.")
    factories.activity(area=area, name="Paid cafe", description="Tea and a chat.", amount="3.00")
    first = body(client, postcode=POSTCODE, q="cafe", free_only="on")
    assert results_heading(first) == f"21 activities found near {POSTCODE}"
    assert len(cards(first)) == 20 and "Nearly fits" not in first
    last = body(client, postcode=POSTCODE, q="cafe", free_only="on", page="2")
    assert len(cards(last)) == 1
    nearly = last.partition('<h2 id="nearly-fits">Nearly fits</h2>')[2]
    assert "Paid cafe" in nearly and "£3.00 per session — not free" in nearly
