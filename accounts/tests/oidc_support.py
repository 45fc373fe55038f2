"""Shared by the single sign-on tests: test_oidc.py and those that extend it
(private_key_jwt, back-channel logout, national RBAC). Authlib talks over HTTP to the fake
provider (accounts/oidc/fake_provider.py); `requests` plays the browser between the two.

The fixtures `idp`, `service_admin` and `configure_sso` are a test module's own once it
names them (`idp = oidc_support.idp`): this folder has no conftest.py of its own."""

from functools import partial
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse

from accounts.actions import complete_set_up, create_administrator
from accounts.oidc.actions import configure_single_sign_on
from accounts.oidc.fake_provider import FakeIdentityProvider
from accounts.oidc.models import secret_env_name
from core.models import AuditEvent
from tests import factories


def administrator(email, area=None):
    user, token = create_administrator(by=None, email=email, full_name="Sid Service", area=area)
    return complete_set_up(token=token, password=factories.PASSWORD)


def configure(idp, area, by, *, mfa_evidence="amr=mfa", **options):
    """The area's staff sign in with the fake provider; its MFA counts when amr says so."""
    return configure_single_sign_on(
        by=by,
        area=area,
        name="NHS CIS2",
        issuer=idp.issuer,
        client_id=idp.client_id,
        scopes="openid profile email",
        mfa_evidence=mfa_evidence,
        **options,
    )


@pytest.fixture
def idp():
    fake = FakeIdentityProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def service_admin(area):
    return administrator("svc@example.nhs.uk", area)


@pytest.fixture
def configure_sso(idp, area, service_admin, settings, monkeypatch):
    """`configure` for the area by its service administrator, once the fake provider can be
    reached: the secret in the environment, as in production."""
    settings.LINKWORK_NONPROD = True  # a provider on 127.0.0.1 is trusted only outside production
    settings.SITE_URL = "http://testserver"
    monkeypatch.setenv(secret_env_name(area.code), idp.client_secret)
    return partial(configure, idp, area, service_admin)


def start(client, area, **params):
    return client.get(reverse("accounts:oidc_start", args=[area.code]), params)


def through_provider(response):
    """What the browser does: follow the redirect to the provider, which approves at once
    and sends it back to linkwork's callback. Returns the callback's path and query."""
    assert response.status_code == 302, response.content
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client, area, **params):
    return client.get(through_provider(start(client, area, **params)))


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def failures(outcome, verb="sign_in_failed"):
    return AuditEvent.objects.filter(verb=verb, detail__outcome=outcome)
