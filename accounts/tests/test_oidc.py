"""Single sign-on with OpenID Connect (accounts/oidc/, ADR 0009).

Authlib, the real client library, talks over HTTP to a fake provider on 127.0.0.1
(accounts/oidc/fake_provider.py) that signs real RS256 id_tokens, and issues bad ones on
demand. The browser's part (following the redirects) is played by `requests`.
"""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import time_machine
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from accounts.oidc.actions import configure_single_sign_on
from accounts.oidc.models import SingleSignOnIdentity, SingleSignOnProvider, secret_env_name
from accounts.tests import oidc_support
from accounts.tests.oidc_support import (
    administrator,
    failures,
    sign_in,
    signed_in_as,
    start,
    through_provider,
)
from core.errors import ActionError
from core.models import AuditEvent
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db


idp = oidc_support.idp
service_admin = oidc_support.service_admin
configure_sso = oidc_support.configure_sso


@pytest.fixture
def sso(configure_sso):
    """The area's staff may sign in with the fake provider, whose MFA counts when amr says so
    (or the assurance level is 3)."""
    return configure_sso(mfa_evidence="amr=mfa\nauthentication_assurance_level=3")


@pytest.fixture
def worker(service):
    return factories.user(organisation=service, role=Role.LINK_WORKER)


# The happy journey


def test_first_sign_in_binds_the_subject_and_the_providers_mfa_counts(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email.upper(), amr=["mfa"])

    response = sign_in(client, sso.area)

    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert signed_in_as(client) == str(worker.pk)
    identity = SingleSignOnIdentity.objects.get(user=worker)
    assert (identity.issuer, identity.subject) == (idp.issuer, "cis2-0001")
    # Verified by the provider's second factor: casework opens without linkwork's code.
    assert client.session[DEVICE_ID_SESSION_KEY] == identity.persistent_id
    assert client.get(reverse("casework:caseload")).status_code == 200
    event = AuditEvent.objects.get(verb="sign_in", actor=worker)
    assert event.detail["method"] == "single_sign_on"
    assert event.detail["bound_now"] is True and event.detail["provider_second_factor"] is True


def test_the_client_sends_state_nonce_and_pkce(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    sign_in(client, sso.area)

    authorize = next(r for r in idp.requests if r["path"] == "/authorize")
    query = parse_qs(authorize["query"])
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    assert query["redirect_uri"] == [
        "http://testserver" + reverse("accounts:oidc_callback", args=[sso.area.code])
    ]


def test_without_the_providers_mfa_linkworks_second_factor_is_asked(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["pwd"])

    response = sign_in(client, sso.area)

    assert signed_in_as(client) == str(worker.pk)
    assert response["Location"].startswith(reverse("accounts:second_factor_verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("casework:caseload")).status_code == 302


def test_where_they_were_going_is_kept_but_never_another_site(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    caseload = reverse("casework:caseload")
    assert sign_in(client, sso.area, next=caseload)["Location"] == caseload

    client.logout()
    response = sign_in(client, sso.area, next="https://evil.example.com/")
    assert response["Location"] == reverse("core:home")


def test_the_sign_in_page_offers_the_areas_provider(client, sso):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with NHS CIS2" in page
    assert reverse("accounts:oidc_start", args=[sso.area.code]) in page


def test_a_switched_off_provider_is_neither_offered_nor_started(client, sso, service_admin):
    SingleSignOnProvider.objects.filter(pk=sso.pk).update(enabled=False)
    assert "Sign in with NHS CIS2" not in client.get(reverse("accounts:login")).content.decode()
    assert start(client, sso.area).status_code == 404


# The subject binding rules


def test_after_binding_the_email_at_the_provider_no_longer_matters(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    sign_in(client, sso.area)
    client.logout()

    idp.sign_in_as(sub="cis2-0001", email="new.name@nhs.net", amr=["mfa"])
    sign_in(client, sso.area)

    assert signed_in_as(client) == str(worker.pk)
    assert SingleSignOnIdentity.objects.filter(user=worker).count() == 1


def test_another_persons_email_cannot_take_over_a_bound_account(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    sign_in(client, sso.area)
    client.logout()

    idp.sign_in_as(sub="cis2-9999", email=worker.email, amr=["mfa"])
    response = sign_in(client, sso.area)

    assert response.status_code == 403
    assert "already linked to a different NHS CIS2 account" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SingleSignOnIdentity.objects.filter(subject="cis2-9999").exists()
    assert failures("bound_to_another").filter(detail__account=str(worker.pk)).exists()


def test_nobody_is_made_an_account_by_signing_in(client, sso, idp):
    idp.sign_in_as(sub="cis2-0042", email="stranger@nhs.net", amr=["mfa"])

    response = sign_in(client, sso.area)

    assert response.status_code == 403
    assert "Ask your administrator to invite you" in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="stranger@nhs.net").exists()
    assert failures("unknown").filter(detail__email="stranger@nhs.net").exists()


def test_an_account_in_another_area_is_not_found(client, sso, idp):
    elsewhere = factories.user(
        organisation=factories.service(area=factories.area()), role=Role.LINK_WORKER
    )
    idp.sign_in_as(sub="cis2-0007", email=elsewhere.email, amr=["mfa"])

    assert sign_in(client, sso.area).status_code == 403
    assert not SingleSignOnIdentity.objects.exists()


def test_an_unverified_email_finds_nobody(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, email_verified=False, amr=["mfa"])

    assert sign_in(client, sso.area).status_code == 403
    assert not SingleSignOnIdentity.objects.exists()


def test_a_switched_off_account_is_refused(client, sso, idp, worker):
    User.objects.filter(pk=worker.pk).update(is_active=False)
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    response = sign_in(client, sso.area)

    assert response.status_code == 403
    assert "switched off" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SingleSignOnIdentity.objects.exists()  # nothing half-done


def test_a_bound_account_switched_off_later_is_refused(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    sign_in(client, sso.area)
    client.logout()
    User.objects.filter(pk=worker.pk).update(is_active=False)

    assert sign_in(client, sso.area).status_code == 403
    assert signed_in_as(client) is None


# Bad answers from the provider: refused with a message, nobody signed in, nothing bound


@pytest.mark.parametrize(
    "mischief, reason",
    [
        ("wrong_issuer", "wrong_issuer"),
        ("wrong_audience", "wrong_audience"),
        ("another_audience_naming_us", "wrong_audience"),
        ("no_id_token", "no_id_token"),
        ("wrong_nonce", "nonce"),
        ("no_nonce", "nonce"),
        ("bad_signature", "signature"),
        ("expired", "expired"),
    ],
)
def test_a_bad_token_is_refused(client, sso, idp, worker, mischief, reason):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    idp.issue_next(mischief)

    response = sign_in(client, sso.area)

    assert response.status_code == 400
    assert "could not be trusted" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SingleSignOnIdentity.objects.exists()
    assert failures(reason).exists()
    assert not AuditEvent.objects.filter(verb="sign_in").exists()


def test_an_answer_for_another_browsers_sign_in_is_refused(client, sso, idp, worker):
    """Login CSRF: the callback carries a state this session never started."""
    from django.test import Client

    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    callback = through_provider(start(Client(), sso.area))

    response = client.get(callback)

    assert response.status_code == 400
    assert "Start again" in response.content.decode()
    assert signed_in_as(client) is None
    assert failures("state").exists()


def test_an_answer_is_used_once(client, sso, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    callback = through_provider(start(client, sso.area))
    client.get(callback)
    client.logout()

    assert client.get(callback).status_code == 400
    assert signed_in_as(client) is None


def test_a_refusal_at_the_provider_is_explained(client, sso):
    start(client, sso.area)
    stored = client.session.keys()  # Authlib keeps the state it sent: "_state_<name>_<state>"
    state = next(k for k in stored if k.startswith("_state_")).rsplit("_", 1)[1]
    callback = reverse("accounts:oidc_callback", args=[sso.area.code])

    response = client.get(callback, {"error": "access_denied", "state": state})

    assert response.status_code == 400
    assert "cancelled or refused at NHS CIS2" in response.content.decode()


def test_a_discovery_document_for_another_issuer_is_refused(client, sso, idp):
    SingleSignOnProvider.objects.filter(pk=sso.pk).update(issuer=idp.issuer + "/")

    response = start(client, sso.area)

    assert response.status_code == 503
    assert failures("discovery_issuer").exists()


def test_without_its_secret_sign_in_does_not_start(client, sso, monkeypatch):
    monkeypatch.delenv(secret_env_name(sso.area.code))

    response = start(client, sso.area)

    assert response.status_code == 503
    assert "not set up correctly" in response.content.decode()


def test_in_production_only_listed_issuers_are_trusted(sso, service_admin, settings, client):
    settings.LINKWORK_NONPROD = False
    with pytest.raises(ActionError, match="does not trust that issuer"):
        configure_single_sign_on(
            by=service_admin,
            area=sso.area,
            name="Mine",
            issuer="https://idp.example.com",
            client_id="x",
            scopes="openid",
        )
    # An issuer set earlier on a test machine does not work in production either.
    assert start(client, sso.area).status_code == 503


# The settings page: the area's service administrator only


def test_the_service_administrator_sets_up_their_area(client, idp, area, service_admin, settings):
    settings.LINKWORK_NONPROD = True
    client.force_login(service_admin)
    url = reverse("administration:single_sign_on")
    page = client.get(url)
    assert page.status_code == 200
    assert secret_env_name(area.code) in page.content.decode()

    response = client.post(
        url,
        {
            "name": "NHSmail",
            "issuer": idp.issuer,
            "client_id": "abc",
            "scopes": "openid profile email",
            "subject_claim": "sub",
            "email_claim": "email",
            "mfa_evidence": "amr=mfa",
            "enabled": "on",
        },
    )

    assert response.status_code == 302
    provider = SingleSignOnProvider.objects.get(area=area)
    assert (provider.name, provider.client_id, provider.enabled) == ("NHSmail", "abc", True)
    assert AuditEvent.objects.filter(verb="configure_single_sign_on", actor=service_admin).exists()


def test_the_settings_page_shows_problems_in_an_error_summary(client, area, service_admin):
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:single_sign_on"),
        {
            "name": "X",
            "issuer": "https://idp.example.com",
            "client_id": "a",
            "scopes": "profile",
            "subject_claim": "sub",
            "email_claim": "email",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in page and "linkwork does not trust that issuer" in page
    assert not SingleSignOnProvider.objects.exists()


def test_another_areas_administrator_changes_only_their_own(client, sso, settings):
    other = administrator("other@example.nhs.uk", factories.area())
    client.force_login(other)
    page = client.get(reverse("administration:single_sign_on")).content.decode()
    assert sso.client_id not in page
    with pytest.raises(ActionError):
        configure_single_sign_on(
            by=other,
            area=sso.area,
            name="Hijack",
            issuer=sso.issuer,
            client_id="x",
            scopes="openid",
        )
    sso.refresh_from_db()
    assert sso.name == "NHS CIS2"


@pytest.mark.parametrize("persona", ["team_lead", "link_worker", "commissioner"])
def test_staff_cannot_reach_the_settings(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("administration:single_sign_on")).status_code == 403


def test_the_system_administrator_cannot_reach_an_areas_settings(client):
    client.force_login(administrator("sys@example.nhs.uk"))
    assert client.get(reverse("administration:single_sign_on")).status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("administration:single_sign_on"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def invited(service_admin, service):
    from accounts.actions import invite_staff

    return invite_staff(
        by=service_admin,
        email="new.starter@example.nhs.uk",
        full_name="Nia Starter",
        organisation=service,
        role=Role.LINK_WORKER,
    )


def test_signing_in_through_the_provider_accepts_the_invitation(
    client, sso, idp, service_admin, service
):
    from accounts.models import Invitation, SetUpLink

    invitation = invited(service_admin, service)
    idp.sign_in_as(sub="cis2-0042", email="new.starter@example.nhs.uk", amr=["mfa"])
    sign_in(client, sso.area)
    assert signed_in_as(client) == str(invitation.user_id)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert not SetUpLink.objects.filter(user=invitation.user, revoked_at__isnull=True).exists()


def test_an_expired_invitation_does_not_let_them_in_through_the_provider(
    client, sso, idp, service_admin, service
):
    invitation = invited(service_admin, service)
    idp.sign_in_as(sub="cis2-0042", email="new.starter@example.nhs.uk", amr=["mfa"])
    with time_machine.travel(invitation.expires_at + timedelta(minutes=1)):
        response = sign_in(client, sso.area)
    assert signed_in_as(client) is None
    assert "invitation to linkwork has expired" in response.content.decode()
