"""Given a link worker signed in with cases open, when their service administrator switches
their account off (in another browser), then the link worker's next request finds them
signed out, told so, and they cannot sign in again; and their team lead finds the open case
listed to reallocate, and reallocates it. Every page passes axe."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from administration.tests.conftest import administrator
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import CODE_PAGE, enter_password, sign_in
from tests.factories import PASSWORD
from tests.second_factor import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_page(browser, live_server):
    """A second person's browser (its own cookies), failing on errors in its console."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == [], "errors in the browser console"


def test_a_leaver_is_signed_out_at_once_and_their_cases_are_listed(
    page, other_page, area, service, team_lead, link_worker, other_link_worker, allocated_referral
):
    person = allocated_referral.person.full_name
    admin = administrator("svc@example.nhs.uk", "Sid Service", area)
    authenticator(admin)

    # Given the link worker signed in, with the case in their caseload (browser A).
    sign_in(page, link_worker, axe=True)
    # (sign_in with axe has run axe on the page they land on.)
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_role("link", name=person)).to_be_visible()

    # When the service administrator switches them off from the staff pages (browser B).
    admin_page = other_page
    sign_in(admin_page, admin, next_path="/administration/staff/", axe=True)
    expect(admin_page.get_by_role("heading", name="Staff", level=1)).to_be_visible()
    admin_page.get_by_label("Search by name or email address").fill(link_worker.full_name)
    admin_page.get_by_role("button", name="Show staff").click()
    row = admin_page.get_by_role("row", name=re.compile(link_worker.full_name))
    expect(row).to_contain_text("Active")
    assert_accessible(admin_page)
    row.get_by_role("link", name=link_worker.full_name).click()
    expect(admin_page.get_by_role("heading", name=link_worker.full_name)).to_be_visible()
    assert_accessible(admin_page)
    admin_page.get_by_role("button", name="Switch off this account").click()
    if admin_page.get_by_role("heading", name="Confirm it's you").count():
        assert_accessible(admin_page)
        admin_page.get_by_label("Password").fill(PASSWORD)
        admin_page.get_by_role("button", name="Continue").click()
    expect(
        admin_page.get_by_role("heading", name=f"Switch off {link_worker.full_name}'s account?")
    ).to_be_visible()
    expect(admin_page.get_by_text("holds 1 open case")).to_be_visible()
    assert_accessible(admin_page)
    admin_page.get_by_role("button", name="Switch off this account").click()
    expect(admin_page.get_by_text("account is switched off")).to_be_visible()
    expect(admin_page.get_by_role("definition").filter(has_text="Switched off on")).to_be_visible()
    assert_accessible(admin_page)

    # Then the link worker's next request, in the middle of their work, is signed out and
    # told why they are looking at the sign-in page.
    page.get_by_role("link", name=person).click()
    expect(page.get_by_role("heading", name="Sign in to linkwork")).to_be_visible()
    expect(page.get_by_text("You have been signed out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page)
    page.goto(reverse("casework:caseload"))
    expect(page.get_by_role("heading", name="Sign in to linkwork")).to_be_visible()
    assert_accessible(page)

    # And their password no longer signs them in.
    enter_password(page, link_worker)
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.get_by_role("heading", name=CODE_PAGE)).to_have_count(0)
    assert_accessible(page)

    # Given the team lead (browser B, after the administrator signs out), when they open the
    # team page, then the leaver's open case is listed to reallocate.
    admin_page.get_by_role("button", name="Sign out").click()
    sign_in(admin_page, team_lead, axe=True)
    admin_page.get_by_role("link", name="Team", exact=True).click()
    listed = admin_page.locator("[data-to-reallocate]")
    expect(listed.get_by_role("row", name=re.compile(person))).to_contain_text(
        link_worker.full_name
    )
    expect(listed).to_contain_text("Switched off")
    assert_accessible(admin_page)

    # When they reallocate it, then it leaves the list.
    listed.get_by_role("link", name=re.compile("Reallocate")).click()
    assert_accessible(admin_page)
    admin_page.get_by_label(other_link_worker.full_name).check()
    admin_page.get_by_role("button", name="Allocate").click()
    expect(admin_page.get_by_text(f"allocated to {other_link_worker.full_name}")).to_be_visible()
    assert_accessible(admin_page)
    admin_page.get_by_role("link", name="Team", exact=True).click()
    expect(admin_page.locator("[data-to-reallocate]")).to_have_count(0)
    assert_accessible(admin_page)
