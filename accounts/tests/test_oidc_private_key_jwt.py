"""private_key_jwt client authentication (RFC 7523; OpenID Connect Core 9), as NHS CIS2
recommends: linkwork signs a client assertion with the area's private key (from the
environment or a file named there, never the database) and publishes the public half at the
area's JWKS URL; the fake provider, registered with that JWKS, verifies each assertion and
refuses anything else, including the client secret."""

import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from accounts.oidc import client as oidc_client
from accounts.oidc import keys
from accounts.oidc.fake_provider import ASSERTION_TYPE
from accounts.oidc.models import (
    SingleSignOnIdentity,
    SingleSignOnProvider,
    private_key_env_name,
    private_key_file_env_name,
    secret_env_name,
)
from accounts.tests import oidc_support
from accounts.tests.oidc_support import (
    administrator,
    configure,
    failures,
    sign_in,
    signed_in_as,
    start,
)
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db
PRIVATE_KEY_JWT = SingleSignOnProvider.ClientAuth.PRIVATE_KEY_JWT


@pytest.fixture(scope="module")
def our_key():
    return RSAKey.generate_key(2048)


@pytest.fixture(scope="module")
def pem(our_key):
    return our_key.as_pem(private=True).decode()


idp = oidc_support.idp  # the local OpenID provider, started for each test


@pytest.fixture
def sso(idp, area, settings, monkeypatch, pem):
    settings.LINKWORK_NONPROD = True
    settings.SITE_URL = "http://testserver"
    monkeypatch.setenv(private_key_env_name(area.code), pem)
    admin = administrator("svc@example.nhs.uk", area)
    return configure(idp, area, admin, client_auth_method=PRIVATE_KEY_JWT)


@pytest.fixture
def registered(client, idp, sso):
    """The provider has registered the keys linkwork publishes (as CIS2 does, once)."""
    idp.use_private_key_jwt(jwks=client.get(jwks_url(sso.area)).json())
    return sso


@pytest.fixture
def worker(service):
    return factories.user(organisation=service, role=Role.LINK_WORKER)


def jwks_url(area):
    return reverse("accounts:oidc_jwks", args=[area.code])


# Signing in


def test_signing_in_with_a_private_key_jwt(client, registered, idp, worker):
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    response = sign_in(client, registered.area)

    assert response.status_code == 302, response.content
    assert signed_in_as(client) == str(worker.pk)
    assert idp.client_auth_methods == ["private_key_jwt"] and idp.client_auth_refusals == []
    assert SingleSignOnIdentity.objects.filter(user=worker, subject="cis2-0001").exists()


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_client_secret_is_sent_the_way_the_area_chose(
    client, sso, idp, worker, monkeypatch, method
):
    monkeypatch.setenv(secret_env_name(sso.area.code), idp.client_secret)
    SingleSignOnProvider.objects.filter(pk=sso.pk).update(client_auth_method=method)
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(worker.pk)
    assert idp.client_auth_methods == [method]


def test_the_key_may_be_in_a_file_named_in_the_environment(
    client, registered, idp, worker, monkeypatch, tmp_path, pem
):
    monkeypatch.delenv(private_key_env_name(registered.area.code))
    path = tmp_path / "linkwork-sso.pem"
    path.write_text(pem)
    monkeypatch.setenv(private_key_file_env_name(registered.area.code), str(path))
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    sign_in(client, registered.area)

    assert signed_in_as(client) == str(worker.pk)


def test_the_key_with_escaped_line_breaks_is_read(monkeypatch, area, pem, our_key):
    monkeypatch.setenv(private_key_env_name(area.code), pem.replace("\n", "\\n"))
    assert keys.signing_key(area.code).kid == our_key.thumbprint()


def test_once_keys_are_registered_the_secret_no_longer_works(
    client, registered, idp, worker, monkeypatch
):
    """The fake refuses what CIS2 would: a client registered for private_key_jwt that sends
    its secret instead."""
    monkeypatch.setenv(secret_env_name(registered.area.code), idp.client_secret)
    SingleSignOnProvider.objects.filter(pk=registered.pk).update(
        client_auth_method=SingleSignOnProvider.ClientAuth.CLIENT_SECRET_BASIC
    )
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    response = sign_in(client, registered.area)

    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert idp.client_auth_refusals == ["assertion_required"]
    assert failures("provider_error").exists()


def test_a_key_the_provider_has_not_registered_is_refused(
    client, registered, idp, worker, monkeypatch
):
    other = RSAKey.generate_key(2048).as_pem(private=True).decode()
    monkeypatch.setenv(private_key_env_name(registered.area.code), other)
    idp.sign_in_as(sub="cis2-0001", email=worker.email, amr=["mfa"])

    response = sign_in(client, registered.area)

    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert idp.client_auth_refusals == ["signature"]


def test_our_assertion_is_what_rfc_7523_asks(registered, our_key, idp):
    """One client assertion, made as Authlib makes it for the token request: signed by our
    key (its id in the header), iss and sub our client ID, aud the token endpoint, a jti,
    and good for minutes."""
    signer = oidc_client._PrivateKeyJWT()

    class Auth:
        client_id = registered.client_id
        client_secret = keys.signing_key(registered.area.code)

    assertion = signer.sign(Auth, idp.token_endpoint)
    token = jwt.decode(assertion, RSAKey.import_key(our_key.as_pem(private=False)))

    assert token.header["kid"] == our_key.thumbprint() and token.header["alg"] == "RS256"
    claims = token.claims
    assert claims["iss"] == claims["sub"] == registered.client_id
    assert claims["aud"] == idp.token_endpoint
    assert claims["jti"] and claims["exp"] - claims["iat"] == oidc_client.ASSERTION_LIFETIME


# The published key set


def test_the_jwks_url_publishes_the_public_key_only(client, sso, our_key):
    response = client.get(jwks_url(sso.area))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age" in response["Cache-Control"]
    (published,) = response.json()["keys"]
    assert published["kid"] == our_key.thumbprint()
    assert (published["kty"], published["use"], published["alg"]) == ("RSA", "sig", "RS256")
    assert published["n"] == our_key.as_dict(private=False)["n"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published)


def test_the_jwks_url_needs_no_sign_in_and_only_reads(client, sso):
    assert client.get(jwks_url(sso.area)).status_code == 200
    assert client.head(jwks_url(sso.area)).status_code == 200
    assert client.post(jwks_url(sso.area)).status_code == 405


def test_no_key_no_key_set(client, sso, monkeypatch):
    monkeypatch.delenv(private_key_env_name(sso.area.code))
    assert client.get(jwks_url(sso.area)).status_code == 404
    assert client.get(reverse("accounts:oidc_jwks", args=["NOWHERE"])).status_code == 404


# A key that is missing or cannot be used: sign-in does not start, the operator is told


def _pem(private_key) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _bad_keys():
    return {
        "not_a_key": "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----",
        "public_key": RSAKey.generate_key(2048).as_pem(private=False).decode(),
        "too_short": _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        "not_rsa": _pem(ec.generate_private_key(ec.SECP256R1())),
    }


@pytest.mark.parametrize("kind", ["not_a_key", "public_key", "too_short", "not_rsa"])
def test_a_key_that_cannot_be_used_is_refused(client, sso, monkeypatch, kind):
    monkeypatch.setenv(private_key_env_name(sso.area.code), _bad_keys()[kind])

    with pytest.raises(keys.KeyProblem):
        keys.signing_key(sso.area.code)
    response = start(client, sso.area)

    assert response.status_code == 503
    assert "not set up correctly" in response.content.decode()
    assert failures("bad_private_key").exists()
    assert client.get(jwks_url(sso.area)).status_code == 404


def test_without_a_key_sign_in_does_not_start(client, sso, monkeypatch):
    monkeypatch.delenv(private_key_env_name(sso.area.code))

    response = start(client, sso.area)

    assert response.status_code == 503
    assert failures("no_credentials").exists()


def test_a_key_in_two_places_is_refused(monkeypatch, tmp_path, area, pem):
    path = tmp_path / "key.pem"
    path.write_text(pem)
    monkeypatch.setenv(private_key_env_name(area.code), pem)
    monkeypatch.setenv(private_key_file_env_name(area.code), str(path))
    with pytest.raises(keys.KeyProblem, match="set one"):
        keys.signing_key(area.code)


def test_a_key_file_that_cannot_be_read_is_refused(monkeypatch, tmp_path, area):
    monkeypatch.setenv(private_key_file_env_name(area.code), str(tmp_path / "missing.pem"))
    with pytest.raises(keys.KeyProblem, match="cannot be read"):
        keys.signing_key(area.code)


def test_each_area_has_its_own_key(area, monkeypatch, pem):
    other = factories.area()
    monkeypatch.setenv(private_key_env_name(area.code), pem)
    assert keys.public_key_set(other.code) == {"keys": []}


# The fake provider checks every client assertion as CIS2 would (bad input refused)


def assertion(idp, key, **changes):
    now = int(time.time())
    claims = {
        "iss": idp.client_id,
        "sub": idp.client_id,
        "aud": idp.token_endpoint,
        "iat": now,
        "exp": now + 60,
        "jti": f"jti-{time.monotonic_ns()}",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def token_request(idp, signed, **params):
    body = {
        "grant_type": "authorization_code",
        "code": "no-such-code",
        "redirect_uri": "http://testserver/cb",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
    }
    body.update(params)
    return requests.post(idp.token_endpoint, data=body, timeout=5)


@pytest.fixture
def registered_key(idp):
    key = RSAKey.generate_key(2048, parameters={"kid": "ours-1"})
    idp.use_private_key_jwt(jwks=KeySet([key]).as_dict(private=False))
    return key


def test_the_fake_accepts_a_good_assertion(idp, registered_key):
    # Past client authentication, it fails only on the (made-up) code.
    answer = token_request(idp, assertion(idp, registered_key))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert idp.client_auth_refusals == []


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"iss": "someone-else"}, "issuer"),
        ({"sub": "someone-else"}, "issuer"),
        ({"aud": "https://elsewhere.example.com/token"}, "audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "expired"),
        ({"exp": int(time.time()) + 3600}, "lifetime"),
        ({"jti": None}, "no_jti"),
    ],
)
def test_the_fake_refuses_a_bad_assertion(idp, registered_key, changes, refusal, time_machine):
    answer = token_request(idp, assertion(idp, registered_key, **changes))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert idp.client_auth_refusals == [refusal]


def test_the_fake_refuses_an_assertion_signed_by_another_key(idp, registered_key):
    impostor = RSAKey.generate_key(2048, parameters={"kid": "ours-1"})
    assert token_request(idp, assertion(idp, impostor)).status_code == 401
    assert idp.client_auth_refusals == ["signature"]


def test_the_fake_refuses_an_assertion_used_twice(idp, registered_key):
    once = assertion(idp, registered_key)
    assert token_request(idp, once).status_code == 400
    assert token_request(idp, once).status_code == 401
    assert idp.client_auth_refusals == ["replayed"]


@pytest.mark.parametrize(
    ("params", "refusal"),
    [
        ({"client_assertion_type": "urn:example:other"}, "assertion_type"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"client_assertion": "not.a.jwt"}, "signature"),
    ],
)
def test_the_fake_refuses_a_bad_request(idp, registered_key, params, refusal):
    answer = token_request(idp, assertion(idp, registered_key), **params)
    assert answer.status_code == 401
    assert idp.client_auth_refusals == [refusal]


def test_the_fake_refuses_a_secret_from_a_client_with_keys(idp, registered_key):
    answer = requests.post(
        idp.token_endpoint,
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
        auth=(idp.client_id, idp.client_secret),
        timeout=5,
    )
    assert answer.status_code == 401
    assert idp.client_auth_refusals == ["assertion_required"]
