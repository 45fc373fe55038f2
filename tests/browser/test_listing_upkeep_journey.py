"""Given a provider and a directory editor, when the provider changes a listing and the
editor approves it, then the public page shows it; every page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_provider_change_approved_by_editor(page, provider, directory_editor, provider_listing):
    sign_in(page, provider)
    expect(page.get_by_role("heading", name="Referrals to your activities")).to_be_visible()
    page.get_by_role("link", name="Your listings").click()
    expect(page.get_by_role("heading", name="Your listings")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Provider cafe").click()
    assert_accessible(page)
    page.get_by_label("Spare places now").fill("4")
    page.get_by_role("button", name="Update places").click()
    expect(page.get_by_text("Spare places for Provider cafe updated.")).to_be_visible()
    page.get_by_label("What happens there").fill("Tea, cake and a quiz on Tuesdays")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Change waiting for approval")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, directory_editor)
    expect(page.get_by_role("heading", name="Directory changes")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Provider cafe").click()
    expect(page.get_by_text("Tea, cake and a quiz on Tuesdays")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Change to Provider cafe approved.")).to_be_visible()
    page.get_by_role("link", name="Synonyms").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"/find/activities/{provider_listing.pk}/")
    expect(page.get_by_text("Tea, cake and a quiz on Tuesdays")).to_be_visible()
    expect(page.get_by_text("4 places available")).to_be_visible()
    page.get_by_role("link", name="Report something wrong with this listing").click()
    assert_accessible(page)
    page.get_by_label("What is wrong?").fill("The quiz is now on Wednesdays")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(page)
