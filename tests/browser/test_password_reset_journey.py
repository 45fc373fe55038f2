"""Given a link worker who has forgotten their password, when they ask for a link, follow
the one in their email and choose a new password, then they can sign in with it (and its
second factor), on accessible pages; the pages for changing a password and confirming it's
them are accessible too."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import CODE_PAGE, enter_password, enter_second_factor
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
NEW_PASSWORD = "otters juggle pebbles at low tide"


def signs_in(page, user, password) -> bool:
    """Sign in, with the code from their authenticator app if asked: True if it was."""
    enter_password(page, user, password=password)
    if not page.get_by_role("heading", name=CODE_PAGE).count():
        return False
    enter_second_factor(page, user)
    return True


def test_forgotten_password_to_signed_in(page, link_worker, notify, run_tasks):
    # Given the sign-in page, when they follow "Forgotten your password?", then they are
    # asked for their email address, and an empty form names the problem.
    page.goto("/accounts/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your email address")
    assert_accessible(page)

    # When they give their address, then they are told to check their email.
    page.get_by_label("Email address").fill(link_worker.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    # When the worker sends it, then GOV.UK Notify (the fake) has the one-time link.
    run_tasks()
    [email] = notify.sent_to(link_worker.email)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+)", email["body"]).group(1)

    # When they follow it, then they choose a new password, and a common one is refused.
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert "set-password" in page.url, "the token is taken out of the address bar"
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("too common")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
    assert_accessible(page)

    # Then the link does not work a second time.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_accessible(page)

    # Then the old password no longer signs in, and the new one does.
    # (A new password is no way round the second factor: it is still asked for.)
    assert not signs_in(page, link_worker, PASSWORD)
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert signs_in(page, link_worker, NEW_PASSWORD), "the second factor is still asked for"
    expect(page.get_by_role("link", name="Change password")).to_be_visible()

    # The pages for changing a password and confirming it's you are accessible too.
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your current password")
    assert_accessible(page)
    page.goto("/accounts/confirm-its-you/")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your password")
    assert_accessible(page)
