"""Given an area whose service administrator has set up single sign-on with the local
OpenID provider, when an invited link worker presses "Sign in with NHS CIS2" they go to the
provider and back, signed in, without a password; a stranger is told to ask for an
invitation. Every page passes axe."""

import pytest
from playwright.sync_api import expect

from accounts.actions import complete_set_up, create_administrator
from accounts.oidc.models import SingleSignOnProvider, secret_env_name
from accounts.tests import oidc_support
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in
from tests.factories import PASSWORD
from tests.second_factor import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


idp = oidc_support.idp  # the local OpenID provider, started for each test


@pytest.fixture
def sso_page(browser, live_server):
    """As the `page` fixture, but the refusal page's 403 is expected once in the console
    (Chromium reports any page answered with an error status)."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]


def test_single_sign_on_journey(sso_page, live_server, settings, monkeypatch, idp, area, service):
    settings.LINKWORK_NONPROD = True
    settings.SITE_URL = live_server.url
    monkeypatch.setenv(secret_env_name(area.code), idp.client_secret)
    admin, token = create_administrator(
        by=None, email="svc@example.nhs.uk", full_name="Sid Service", area=area
    )
    admin = complete_set_up(token=token, password=PASSWORD)
    authenticator(admin)
    worker = factories.user(organisation=service, role="link_worker")
    page = sso_page

    # Given the service administrator, when they set up single sign-on, then it is saved.
    sign_in(page, admin, next_path="/administration/single-sign-on/")
    expect(page.get_by_role("heading", name="Single sign-on")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name on the sign-in button").fill("NHS CIS2")
    page.get_by_label("Issuer").fill(idp.issuer)
    page.get_by_label("Client ID").fill(idp.client_id)
    page.get_by_label("When the provider's second factor counts").fill("amr=mfa")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Single sign-on settings saved")).to_be_visible()
    expect(page.get_by_text("/accounts/oidc/" + area.code + "/callback/")).to_be_visible()
    assert_accessible(page)
    assert SingleSignOnProvider.objects.get(area=area).enabled
    page.get_by_role("button", name="Sign out").click()

    # Given the link worker at the provider, when they choose it, then they are signed in.
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"], name=worker.full_name)
    page.goto("/accounts/sign-in/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in with NHS CIS2").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # Given someone nobody invited, when they try, then they are told whom to ask.
    idp.sign_in_as(sub="cis2-0099", email="stranger@nhs.net", amr=["mfa"])
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Sign in with NHS CIS2").click()
    expect(page.get_by_role("heading", name="You have not been signed in")).to_be_visible()
    expect(page.get_by_text("Ask your administrator to invite you")).to_be_visible()
    assert_accessible(page)
