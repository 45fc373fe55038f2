"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when someone signs out at
the provider, it posts a signed logout token to linkwork, and every linkwork session of that
person ends at once, found by their subject or by the provider session (sid) they signed in
with. Bad tokens get a 400 with an error and end nothing; each token works once; all is
audited. The fake provider makes and sends the tokens."""

from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.oidc.fake_provider import BACK_CHANNEL_EVENT, FakeIdentityProvider
from accounts.oidc.models import (
    BackChannelLogoutToken,
    SingleSignOnProvider,
    SingleSignOnSession,
    secret_env_name,
)
from accounts.tests import oidc_support
from accounts.tests.oidc_support import administrator, configure, failures, sign_in, signed_in_as
from core.models import AuditEvent
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db
CASELOAD = reverse("casework:caseload")


idp = oidc_support.idp  # the local OpenID provider, started for each test


@pytest.fixture
def sso(idp, area, settings, monkeypatch):
    settings.LINKWORK_NONPROD = True
    settings.SITE_URL = "http://testserver"
    monkeypatch.setenv(secret_env_name(area.code), idp.client_secret)
    return configure(idp, area, administrator("svc@example.nhs.uk", area))


@pytest.fixture
def worker(service):
    return factories.user(organisation=service, role=Role.LINK_WORKER)


@pytest.fixture
def signed_in(client, sso, idp, worker):
    """The worker signed in through the provider (and so bound), in `client`."""
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
    sign_in(client, sso.area)
    assert client.get(CASELOAD).status_code == 200
    return client


def logout_url(area):
    return reverse("accounts:oidc_back_channel_logout", args=[area.code])


def post_logout(area, token):
    # As the provider's server posts it: no cookie, no CSRF token.
    return Client(enforce_csrf_checks=True).post(logout_url(area), {"logout_token": token})


def still_in(client) -> bool:
    return client.get(CASELOAD).status_code == 200


# Ending sessions


def test_a_logout_naming_the_subject_ends_every_session_of_theirs(signed_in, sso, idp, worker):
    elsewhere = Client()  # the same person signed in with a password on another computer
    elsewhere.force_login(worker)
    assert still_in(elsewhere)

    response = post_logout(sso.area, idp.logout_token(sub="cis2-0001"))

    assert response.status_code == 200 and response.content == b""
    assert "no-store" in response["Cache-Control"]
    assert not still_in(signed_in) and signed_in_as(signed_in) is None
    assert not still_in(elsewhere)
    event = AuditEvent.objects.get(verb="back_channel_logout")
    assert event.actor == worker
    assert event.detail["outcome"] == "ended" and event.detail["by_subject"] is True


def test_a_logout_naming_only_the_session_finds_them(signed_in, sso, idp, worker):
    sid = idp.sessions[-1]["sid"]
    assert SingleSignOnSession.objects.filter(identity__user=worker, sid=sid).exists()

    response = post_logout(sso.area, idp.logout_token(sid=sid))

    assert response.status_code == 200
    assert not still_in(signed_in)
    assert not SingleSignOnSession.objects.filter(identity__user=worker).exists()
    event = AuditEvent.objects.get(verb="back_channel_logout", actor=worker)
    assert event.detail["by_session"] is True and event.detail["by_subject"] is False


def test_they_can_sign_in_again_afterwards(signed_in, sso, idp, worker):
    post_logout(sso.area, idp.logout_token(sub="cis2-0001"))

    sign_in(signed_in, sso.area)

    assert still_in(signed_in)


def test_a_logout_for_someone_unknown_ends_nothing_and_says_ok(signed_in, sso, idp):
    for token in (idp.logout_token(sub="cis2-9999"), idp.logout_token(sid="no-such-session")):
        assert post_logout(sso.area, token).status_code == 200
    assert still_in(signed_in)
    outcomes = AuditEvent.objects.filter(verb="back_channel_logout")
    assert [e.detail["outcome"] for e in outcomes] == ["nobody", "nobody"]


def test_a_session_and_subject_of_two_people_is_refused(signed_in, sso, idp, service):
    other = factories.user(organisation=service, role=Role.LINK_WORKER)
    idp.sign_in_as(sub="cis2-0002", email=other.email, amr=["mfa"])
    sign_in(Client(), sso.area)
    others_sid = idp.sessions[-1]["sid"]

    response = post_logout(sso.area, idp.logout_token(sub="cis2-0001", sid=others_sid))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert still_in(signed_in)
    assert failures("sid_of_another_subject", "back_channel_logout_failed").exists()


def test_the_same_person_in_another_area_is_not_signed_out(client, idp, sso, monkeypatch):
    """Two areas may use the same provider (CIS2): a token sent to one area's endpoint ends
    sessions only of that area's staff."""
    other_area = factories.area()
    other = configure(idp, other_area, administrator("other@example.nhs.uk", other_area))
    monkeypatch.setenv(secret_env_name(other_area.code), idp.client_secret)
    person = factories.user(organisation=factories.service(area=other_area), role=Role.LINK_WORKER)
    idp.sign_in_as(sub="cis2-0042", email=person.email, amr=["mfa"])
    sign_in(client, other.area)
    assert still_in(client)

    assert post_logout(sso.area, idp.logout_token(sub="cis2-0042")).status_code == 200
    assert still_in(client)
    assert post_logout(other.area, idp.logout_token(sub="cis2-0042")).status_code == 200
    assert not still_in(client)


def test_a_switched_off_provider_still_signs_people_out(signed_in, sso, idp):
    SingleSignOnProvider.objects.filter(pk=sso.pk).update(enabled=False)
    assert post_logout(sso.area, idp.logout_token(sub="cis2-0001")).status_code == 200
    assert not still_in(signed_in)


def test_provider_sessions_older_than_any_linkwork_session_are_forgotten(
    signed_in, sso, idp, worker, settings, time_machine
):
    first_sid = idp.sessions[-1]["sid"]
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.SESSION_MAX_SECONDS + 60))

    sign_in(Client(), sso.area)

    sids = set(
        SingleSignOnSession.objects.filter(identity__user=worker).values_list("sid", flat=True)
    )
    assert sids == {idp.sessions[-1]["sid"]} and first_sid not in sids


# Each token once


def test_a_token_sent_again_is_refused(signed_in, sso, idp, worker):
    token = idp.logout_token(sub="cis2-0001")
    assert post_logout(sso.area, token).status_code == 200
    sign_in(signed_in, sso.area)  # back in

    response = post_logout(sso.area, token)

    assert response.status_code == 400 and "replayed" in response.json()["error_description"]
    assert still_in(signed_in)
    assert failures("replayed", "back_channel_logout_failed").exists()


def test_remembered_tokens_are_forgotten_once_too_old_to_be_accepted(
    signed_in, sso, idp, time_machine
):
    post_logout(sso.area, idp.logout_token(sub="cis2-0001"))
    assert BackChannelLogoutToken.objects.count() == 1
    time_machine.move_to(timezone.now() + timedelta(hours=1))

    post_logout(sso.area, idp.logout_token(sub="cis2-0001"))

    assert BackChannelLogoutToken.objects.count() == 1  # only the new one


# Bad tokens: 400, nothing ended, audited


@pytest.mark.parametrize(
    ("mischief", "reason"),
    [
        ("wrong_issuer", "wrong_issuer"),
        ("wrong_audience", "wrong_audience"),
        ("bad_signature", "signature"),
        ("unsigned", "malformed"),
        ("wrong_type", "wrong_type"),
        ("no_events", "events"),
        ("wrong_event", "events"),
        ("with_nonce", "nonce"),
        ("no_jti", "no_jti"),
        ("no_iat", "no_iat"),
        ("stale", "stale"),
        ("future", "issued_in_future"),
        ("expired", "expired"),
    ],
)
def test_a_bad_logout_token_is_refused(signed_in, sso, idp, mischief, reason):
    response = post_logout(sso.area, idp.logout_token(sub="cis2-0001", mischief=[mischief]))

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request" and reason in body["error_description"]
    assert still_in(signed_in)
    assert failures(reason, "back_channel_logout_failed").exists()
    assert not AuditEvent.objects.filter(verb="back_channel_logout").exists()


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({}, "no_subject"),  # neither sub nor sid
        ({"sub": ""}, "no_subject"),
        ({"sid": 42}, "no_subject"),
        ({"sub": "cis2-0001", "events": [BACK_CHANNEL_EVENT]}, "events"),  # an old draft's
        ({"sub": "cis2-0001", "events": {BACK_CHANNEL_EVENT: "yes"}}, "events"),
        ({"sub": "cis2-0001", "iat": "yesterday"}, "no_iat"),
        ({"sub": "cis2-0001", "aud": ["someone-else"]}, "wrong_audience"),
        ({"sub": "cis2-0001", "jti": ""}, "no_jti"),
    ],
)
def test_a_logout_token_with_bad_claims_is_refused(signed_in, sso, idp, claims, reason):
    response = post_logout(sso.area, idp.logout_token(**claims))

    assert response.status_code == 400
    assert still_in(signed_in)
    assert failures(reason, "back_channel_logout_failed").exists()


def test_an_audience_list_naming_us_is_accepted(signed_in, sso, idp):
    token = idp.logout_token(sub="cis2-0001", aud=["someone-else", sso.client_id])
    assert post_logout(sso.area, token).status_code == 200
    assert not still_in(signed_in)


@pytest.mark.parametrize("body", [{}, {"logout_token": ""}, {"logout_token": "not-a-jwt"}])
def test_a_post_without_a_token_is_refused(sso, body):
    response = Client(enforce_csrf_checks=True).post(logout_url(sso.area), body)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert AuditEvent.objects.filter(verb="back_channel_logout_failed").count() == 1


def test_only_a_post_is_answered(client, sso):
    assert client.get(logout_url(sso.area)).status_code == 405


def test_an_area_without_single_sign_on_answers_400(db, idp):
    response = Client().post(logout_url(factories.area()), {"logout_token": "a.b.c"})
    assert response.status_code == 400


def test_a_provider_that_cannot_be_reached_is_a_400_saying_so(signed_in, sso, idp):
    token = idp.logout_token(sub="cis2-0001")
    idp.stop()

    response = post_logout(sso.area, token)

    assert response.status_code == 400
    assert response.json()["error"] == "temporarily_unavailable"
    assert failures("unreachable", "back_channel_logout_failed").exists()


def test_in_production_an_untrusted_issuer_is_not_listened_to(signed_in, sso, idp, settings):
    settings.LINKWORK_NONPROD = False
    assert post_logout(sso.area, idp.logout_token(sub="cis2-0001")).status_code == 400
    assert still_in(signed_in)


# The whole conversation over HTTP, as in the demo: linkwork served, the provider posting


@pytest.mark.django_db(transaction=True)
def test_the_provider_posts_the_logout_itself(live_server, settings, monkeypatch, service):
    """The fake provider registered with linkwork's back-channel logout URI sends the token
    when the demo's trigger (`POST /fake/logout`, from `manage.py fake_oidc_provider`) is
    used: the session signed in through it ends."""
    area = service.area
    settings.LINKWORK_NONPROD = True
    settings.SITE_URL = live_server.url
    fake = FakeIdentityProvider(back_channel_logout_uri=live_server.url + logout_url(area)).start()
    try:
        monkeypatch.setenv(secret_env_name(area.code), fake.client_secret)
        configure(fake, area, administrator("svc@example.nhs.uk", area))
        worker = factories.user(organisation=service, role=Role.LINK_WORKER)
        generation = worker.session_generation
        fake.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])
        browser = requests.Session()
        browser.get(live_server.url + reverse("accounts:oidc_start", args=[area.code]), timeout=10)
        assert browser.get(live_server.url + CASELOAD, timeout=10).url.endswith(CASELOAD)

        answer = requests.post(fake.issuer + "/fake/logout", timeout=10)

        assert answer.json()["status"] == 200
        after = browser.get(live_server.url + CASELOAD, timeout=10, allow_redirects=False)
        assert after.status_code == 302 and reverse("accounts:login") in after.headers["Location"]
        assert User.objects.get(pk=worker.pk).session_generation == generation + 1
    finally:
        fake.stop()
