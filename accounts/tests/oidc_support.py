"""Shared by the single sign-on tests that extend test_oidc.py: private_key_jwt,
back-channel logout and national RBAC. Authlib talks over HTTP to the fake provider
(accounts/oidc/fake_provider.py); `requests` plays the browser between the two."""

from urllib.parse import urlsplit

import requests
from django.urls import reverse

from accounts.actions import complete_set_up, create_administrator
from accounts.oidc.actions import configure_single_sign_on
from core.models import AuditEvent
from tests import factories


def administrator(email, area=None):
    user, token = create_administrator(by=None, email=email, full_name="Sid Service", area=area)
    return complete_set_up(token=token, password=factories.PASSWORD)


def configure(idp, area, by, **options):
    """The area's staff sign in with the fake provider; its MFA counts when amr says so."""
    return configure_single_sign_on(
        by=by,
        area=area,
        name="NHS CIS2",
        issuer=idp.issuer,
        client_id=idp.client_id,
        scopes="openid profile email",
        mfa_evidence="amr=mfa",
        **options,
    )


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
