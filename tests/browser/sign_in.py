"""Signing in through the browser as people do: email address and password, then the code
from their authenticator app. Every browser journey signs in with these steps, so a change
to the sign-in pages is followed in one place."""

from collections.abc import Callable

from playwright.sync_api import expect

from tests import second_factor
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD

CODE_PAGE = "Enter the code from your authenticator app"


def enter_password(page, user, *, password=PASSWORD, next_path="", axe=False):
    """Open the sign-in page (to go on to `next_path`) and send the email address and
    password; with `axe`, the sign-in page passes axe first."""
    page.goto("/accounts/sign-in/" + (f"?next={next_path}" if next_path else ""))
    if axe:
        assert_accessible(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    # Waiting for the answer lets the caller look at once for what it says, or its absence.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def enter_second_factor(page, user, *, code: Callable[[], str] | None = None, axe=False):
    """After the password, the code the person's authenticator app shows (every test user
    has one: tests/second_factor.py), or `code()` for an app the test plays itself. With
    `axe`, the code page and the page they land on, signed in, pass axe."""
    heading = page.get_by_role("heading", name=CODE_PAGE)
    expect(heading).to_be_visible()
    if axe:
        assert_accessible(page)
    page.get_by_label("Code", exact=True).fill(code() if code else second_factor.code(user))
    page.get_by_role("button", name="Continue").click()
    expect(heading).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if axe:
        assert_accessible(page)


def sign_in(page, user, *, password=PASSWORD, next_path="", code=None, axe=False):
    """Both steps, as `enter_password` and `enter_second_factor`; with `axe`, every page on
    the way passes axe."""
    enter_password(page, user, password=password, next_path=next_path, axe=axe)
    enter_second_factor(page, user, code=code, axe=axe)
