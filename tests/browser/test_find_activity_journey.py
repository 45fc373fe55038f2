"""Given a visitor on a phone, when they search "lonely new mum" near Towcester and open a
listing, then they see what it is, when, where, what it costs and how to join."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_finds_a_postnatal_group_near_towcester(browser, live_server, area):
    factories.activity(
        area=area,
        name="Bumps and Babies Towcester",
        needs=("new-parent",),
        description="Postnatal parent-and-baby group",
        byday="MO",
        capacity=2,
        maximum=12,
        wheelchair=True,
    )
    factories.activity(area=area, name="Debt advice", needs=("money-debt",))
    factories.activity(area=area, name="Corby cafe", latitude=52.5, longitude=-0.69)
    context = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto("/find/")
    assert_accessible(page)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a postcode")
    assert_accessible(page)

    page.get_by_label("Postcode").fill("nn12 6ab")
    page.get_by_label("What are you looking for?").fill("lonely new mum")
    page.get_by_role("button", name="Search").click()
    first = page.locator(".nhsuk-card").first
    expect(first).to_contain_text("Bumps and Babies Towcester")
    expect(first).to_contain_text("meets: new parent")
    expect(first).to_contain_text("2 places left")
    expect(page.get_by_text("Corby cafe")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Bumps and Babies Towcester").click()
    expect(page.get_by_role("heading", name="Bumps and Babies Towcester")).to_be_visible()
    expect(page.get_by_text("Mondays 10:00–12:00")).to_be_visible()
    expect(page.get_by_text("Step-free access")).to_be_visible()
    expect(page.get_by_text("How to join")).to_be_visible()
    assert_accessible(page)
    context.close()
    assert problems == []
