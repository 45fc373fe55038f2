"""The link worker's search starts from what matters to the person and their goals (issue
16): used unless the link worker unticks it, it ranks and may let in an activity that meets
no reason for referral; its text never travels in the page's address. The page says where
it searched around."""

import re
from html import unescape

import pytest
from django.urls import reverse

from casework import actions
from casework.models import Goal
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def url(referral, **params):
    return reverse("casework:find_activities", args=[referral.pk])


@pytest.fixture
def listings(area):
    factories.activity(area=area, name="Befriending calls", needs=("loneliness",))
    factories.activity(
        area=area, name="Cook and Eat", needs=(), description="Learn to cook a proper meal."
    )
    factories.activity(area=area, name="Darts league", needs=(), description="Darts.")


def test_what_matters_and_active_goals_are_prefilled_and_used(
    client, link_worker, active_referral, listings
):
    first = actions.record_what_matters(
        by=link_worker, referral=active_referral, text="Company.", replaces=None
    )
    actions.record_what_matters(
        by=link_worker, referral=active_referral, text="Learning to cook a meal.", replaces=first
    )
    actions.set_goal(by=link_worker, referral=active_referral, description="Cook for my son")
    stopped = actions.set_goal(by=link_worker, referral=active_referral, description="Run 5k")
    actions.review_goal(
        by=link_worker,
        goal=stopped,
        version=stopped.version,
        status=Goal.Status.STOPPED,
        progress="",
    )
    client.force_login(link_worker)

    response = client.get(url(active_referral))
    body = page(response)

    assert "“Learning to cook a meal. Cook for my son”" in " ".join(body.split())
    assert "Company." not in body and "Run 5k" not in body  # an old version, a stopped goal
    assert re.search(r'name="use_what_matters" type="checkbox" value="on" checked', body)
    assert "Befriending calls" in body  # meets a reason for referral
    assert "Cook and Eat" in body  # meets none, but is what matters to them
    assert "Darts league" not in body


def test_unticked_what_matters_is_not_used_and_never_in_the_address(
    client, link_worker, active_referral, listings
):
    actions.record_what_matters(
        by=link_worker, referral=active_referral, text="Learning to cook.", replaces=None
    )
    client.force_login(link_worker)
    params = {"postcode": "NN12 6AB", "needs": ["loneliness"]}

    body = page(client.get(url(active_referral), params))

    assert "Befriending calls" in body and "Cook and Eat" not in body
    assert "Showing activities near NN12 6AB (within 10 km)" in body
    # Pagination and the form's own links carry no words of what matters.
    assert "cook" not in " ".join(re.findall(r'href="([^"]*)"', body)).lower()


def test_nothing_recorded_says_so(client, link_worker, active_referral, listings):
    client.force_login(link_worker)
    body = page(client.get(url(active_referral)))
    assert "Befriending calls" in body and "Cook and Eat" not in body
    assert "Nothing is recorded yet: add it on their page" in body


def test_another_areas_link_worker_does_not_see_what_matters(
    client, other_area_link_worker, link_worker, active_referral, listings
):
    actions.record_what_matters(
        by=link_worker, referral=active_referral, text="Learning to cook.", replaces=None
    )
    client.force_login(other_area_link_worker)
    response = client.get(url(active_referral))
    assert response.status_code == 404
    assert "Learning to cook" not in page(response)
