"""Given a new member of staff, when they first sign in they set up an authenticator app
(QR code, or the key typed by hand) and save their recovery codes; the next time, a wrong
code is refused and the right one lets them in. Every page passes axe."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import enter_password, enter_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_up_then_sign_in_with_a_code(page, service):
    person = factories.user(organisation=service, role="link_worker", second_factor=False)
    enter_password(page, person)

    # Given no authenticator yet, when the password is right, then set-up.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    # No navigation until the second factor is passed: only who is signed in, and sign out.
    expect(page.get_by_role("link", name="Caseload")).to_have_count(0)
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name=re.compile("The code is not right"))).to_be_visible()
    assert_accessible(page)

    # The key typed by hand, as someone without a camera would.
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    time.sleep(1)  # the back-off after one wrong code
    page.get_by_label("Code", exact=True).fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The next time: the code page.
    enter_password(page, person)
    enter_second_factor(page, person, axe=True)
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
