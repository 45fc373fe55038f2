"""The demo county signs in with single sign-on against the fake provider `make demo` runs:
load_demo points the area at it, the sign-in page shows the button, and a demo link worker
gets in through it, end to end (Authlib talking to the fake over HTTP)."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.oidc.fake_provider import FakeIdentityProvider
from accounts.oidc.models import SingleSignOnIdentity, SingleSignOnProvider, secret_env_name
from nonprod import demo
from nonprod import demo_administration as admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_cis2():
    """The fake as `make demo` starts it (fake_oidc_provider with the demo's client)."""
    fake = FakeIdentityProvider(
        client_id=admin.SSO_CLIENT_ID, client_secret=admin.SSO_CLIENT_SECRET
    ).start()
    fake.sign_in_as(sub="demo-cis2-linkworker1", email=sso_login(), amr=["mfa"])
    yield fake
    fake.stop()


def sso_login() -> str:
    return f"{admin.SSO_LOGIN}@{demo.EMAIL_DOMAIN}"


@pytest.fixture
def demo_settings(settings, monkeypatch):
    settings.LINKWORK_NONPROD = True
    settings.SITE_URL = "http://testserver"
    # What the Makefile's DEMO_ENV gives every demo process.
    monkeypatch.setenv(secret_env_name(demo.AREA_CODE), admin.SSO_CLIENT_SECRET)
    return settings


def port_of(fake) -> int:
    return fake.server.server_address[1]


def test_load_demo_points_the_county_at_the_fake_and_a_link_worker_signs_in_through_it(
    demo_settings, fake_cis2
):
    out = StringIO()
    call_command(
        "load_demo",
        people=5,
        activities=10,
        history=0,
        oidc_port=port_of(fake_cis2),
        quiet=True,
        stdout=out,
    )
    provider = SingleSignOnProvider.objects.get(area__code=demo.AREA_CODE)
    assert provider.issuer == fake_cis2.issuer == admin.oidc_issuer(port_of(fake_cis2))
    assert provider.client_id == admin.SSO_CLIENT_ID
    assert provider.client_secret() == admin.SSO_CLIENT_SECRET
    assert f"Sign in with {admin.SSO_NAME}" in out.getvalue()
    assert fake_cis2.issuer in out.getvalue()

    browser = Client()
    page = browser.get(reverse("accounts:login")).content.decode()
    assert f"Sign in with {admin.SSO_NAME}" in page
    start = reverse("accounts:oidc_start", args=[demo.AREA_CODE])
    assert f'href="{start}"' in page

    to_provider = browser.get(start)
    assert to_provider.status_code == 302
    assert to_provider["Location"].startswith(fake_cis2.issuer + "/authorize?")
    back = requests.get(to_provider["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == reverse("accounts:oidc_callback", args=[demo.AREA_CODE])
    signed_in = browser.get(f"{callback.path}?{callback.query}")

    worker = User.objects.get(email=sso_login())
    assert signed_in.status_code == 302, signed_in.content
    assert browser.session["_auth_user_id"] == str(worker.pk)
    assert SingleSignOnIdentity.objects.get(user=worker).subject == "demo-cis2-linkworker1"
    assert browser.get(reverse("casework:caseload")).status_code == 200


def test_loading_again_follows_the_new_port_and_adds_nobody(demo_settings):
    call_command("load_demo", people=5, activities=10, history=0, oidc_port=6301, quiet=True)
    accounts = User.objects.count()
    out = StringIO()
    call_command("load_demo", oidc_port=6302, quiet=True, stdout=out)
    provider = SingleSignOnProvider.objects.get(area__code=demo.AREA_CODE)
    assert provider.issuer == "http://127.0.0.1:6302"
    assert SingleSignOnProvider.objects.count() == 1
    assert User.objects.count() == accounts
    assert "http://127.0.0.1:6302" in out.getvalue()
    for local in ("sysadmin", "serviceadmin"):
        assert f"{local}@{demo.EMAIL_DOMAIN}" in out.getvalue()


def test_the_port_comes_from_oidc_port_as_make_demo_sets_it(demo_settings, monkeypatch):
    monkeypatch.setenv("OIDC_PORT", "6303")
    call_command("load_demo", people=5, activities=10, history=0, quiet=True)
    provider = SingleSignOnProvider.objects.get(area__code=demo.AREA_CODE)
    assert provider.issuer == "http://127.0.0.1:6303"
