"""The public /find/ page, the link worker's "find activities" and the API keep to the
person's constraints and show what nearly fits apart, with why (ADR 0011 §2, §8)."""

from html import unescape

import pytest
from django.urls import reverse

from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db
POSTCODE = "NN12 6AB"  # Towcester, where factories.activity puts listings
API = "/api/v1/activities/search"


def page(response):
    assert response.status_code == 200
    return unescape(response.content.decode())


def sections(body):
    """(the matches, the "Nearly fits" section) of a results page."""
    matches, heading, nearly = body.partition('<h2 id="nearly-fits">Nearly fits</h2>')
    return matches, nearly if heading else ""


# (form fields, fields of a listing that breaks the constraint, what the page says)
CONSTRAINTS = [
    # 2.6 km north of the listings; the postcode's centre is not quite where they are.
    ({"radius": "2"}, {"latitude": 52.13 + 2.6 / 111.2}, " km — further than 2 km"),
    ({"days": "thu"}, {"byday": "TU"}, "Tuesdays 18:00–20:00 — not when you are free"),
    (
        {"time": "evening"},
        {"opens": "10:00", "closes": "12:00"},
        "Thursdays 10:00–12:00 — not when you are free",
    ),
    ({"free_only": "on"}, {"amount": "3.00"}, "£3.00 per session — not free"),
    ({"wheelchair": "on"}, {"wheelchair": False}, "no step-free access"),
    ({"age": "70"}, {"min_age": 18, "max_age": 25}, "for ages 18–25"),
]
FITS = {"byday": "TH", "opens": "18:00", "closes": "20:00", "wheelchair": True}


@pytest.mark.parametrize(("asked", "breaks", "label"), CONSTRAINTS)
def test_public_page_filters_and_shows_what_nearly_fits(client, area, asked, breaks, label):
    factories.activity(area=area, name="Fitting cafe", description="Tea, cake and a chat.", **FITS)
    factories.activity(area=area, name="Nearly cafe", **{**FITS, **breaks})
    body = page(client.get(reverse("directory:find"), {"postcode": POSTCODE, **asked}))
    matches, nearly = sections(body)
    assert "1 activity found" in matches
    assert "Fitting cafe" in matches and "Tea, cake and a chat." in matches
    assert "Nearly cafe" not in matches
    assert "Nearly cafe" in nearly and label in nearly


def test_public_page_has_no_nearly_fits_section_when_nothing_nearly_fits(client, area):
    factories.activity(area=area, name="Cafe", description="Tea and a chat on Tuesdays.")
    body = page(client.get(reverse("directory:find"), {"postcode": POSTCODE}))
    assert "Tea and a chat on Tuesdays." in body
    assert "Nearly fits" not in body


def test_api_keeps_constraints_and_lists_near_misses_only_when_asked(client, area):
    factories.activity(area=area, name="Free cafe", description="Free tea.")
    paid = factories.activity(area=area, name="Paid cafe", amount="3.00")
    asked = {"postcode": POSTCODE, "free_only": "true"}
    body = client.get(API, asked).json()
    assert [r["name"] for r in body["results"]] == ["Free cafe"] and body["total"] == 1
    assert body["results"][0]["description"] == "Free tea."
    assert "near_misses" not in body
    body = client.get(API, {**asked, "include_near": "true"}).json()
    assert [r["name"] for r in body["results"]] == ["Free cafe"] and body["total"] == 1
    assert [(m["service_id"], m["does_not_fit"]) for m in body["near_misses"]] == [
        (str(paid.pk), ["£3.00 per session — not free"])
    ]


def test_api_days_and_times_overlap(client, area):
    factories.activity(area=area, name="Evening choir", byday="WE", opens="18:00", closes="20:00")
    body = client.get(API, {"postcode": POSTCODE, "days": "wed", "from": "19:00", "to": "21:00"})
    assert [r["name"] for r in body.json()["results"]] == ["Evening choir"]
    body = client.get(API, {"postcode": POSTCODE, "days": "wed", "from": "20:00", "to": "22:00"})
    assert body.json()["total"] == 0


def test_link_worker_search_prefills_groups_but_not_the_recorded_sex(
    client, link_worker, active_referral, area
):
    person = active_referral.person
    person.sex = "female"  # equality monitoring: not used to decide what she may join
    person.save(update_fields=["sex"])
    active_referral.needs.add(Need.objects.get(code="carer"))
    factories.activity(
        area=area, name="Men's shed", description="Make and mend.", eligibility="Men only"
    )
    factories.activity(
        area=area,
        name="Carers' cafe",
        description="A break and a brew.",
        eligibility="For unpaid carers",
    )
    factories.activity(area=area, name="Dads and toddlers", eligibility="A group for dads.")
    client.force_login(link_worker)
    url = reverse("casework:find_activities", args=[active_referral.pk])
    body = page(client.get(url))
    assert '<option value="female" selected' not in body
    assert 'name="groups" type="checkbox" value="carers" checked' in body
    matches, nearly = sections(body)
    # A carer (her referral says so): the carers' cafe fits. Her sex not asked: the shed is
    # shown, labelled. The dads' group is also for parents, which she is not (the link
    # worker's ticks say who she is): apart, with why.
    assert "Carers' cafe" in matches and "A break and a brew." in matches
    assert "Men's shed" in matches and "for men" in matches
    assert "Dads and toddlers" not in matches
    assert "Dads and toddlers" in nearly and "for parents of young children</li>" in nearly
    # Asked, she is a woman: the shed is apart too, and can still be referred or shortlisted.
    asked = page(client.get(url, {"postcode": POSTCODE, "groups": "carers", "sex": "female"}))
    matches, nearly = sections(asked)
    assert "Men's shed" not in matches and "<li>for men</li>" in nearly
    assert nearly.count("Add to shortlist") == 2


def test_link_worker_can_say_who_they_are(client, link_worker, active_referral, area):
    factories.activity(
        area=area,
        name="Carers' cafe",
        description="A break and a brew.",
        eligibility="For unpaid carers",
    )
    client.force_login(link_worker)
    url = reverse("casework:find_activities", args=[active_referral.pk])
    not_asked = page(client.get(url, {"postcode": POSTCODE, "needs": "loneliness"}))
    matches, nearly = sections(not_asked)
    assert "Carers' cafe" in matches and "for carers" in matches
    not_a_carer = page(
        client.get(url, {"postcode": POSTCODE, "needs": "loneliness", "groups": "none"})
    )
    matches, nearly = sections(not_a_carer)
    assert "Carers' cafe" not in matches and "for carers" in nearly
    carer = page(client.get(url, {"postcode": POSTCODE, "needs": "loneliness", "groups": "carers"}))
    matches, nearly = sections(carer)
    assert "Carers' cafe" in matches and not nearly


def test_none_of_these_and_a_group_together_is_an_error(client, link_worker, active_referral):
    client.force_login(link_worker)
    url = reverse("casework:find_activities", args=[active_referral.pk])
    body = page(client.get(url, {"postcode": POSTCODE, "groups": ["carers", "none"]}))
    assert 'Error: </span>Tick the groups they are in, or "None of these", not both' in body


def test_public_search_keeps_group_listings_labelled(client, area):
    factories.activity(
        area=area,
        name="Carers' cafe",
        description="A break and a brew.",
        eligibility="For unpaid carers",
    )
    body = page(client.get(reverse("directory:find"), {"postcode": POSTCODE}))
    matches, _ = sections(body)
    assert "Carers' cafe" in matches and "for carers" in matches
