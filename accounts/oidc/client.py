"""The adapter between linkwork and an area's identity provider, through Authlib.

Authlib's Django client does the protocol: it reads the provider's discovery document,
sends the person to the authorize endpoint with a random `state` and `nonce` and a PKCE
challenge (kept in the session), exchanges the code, and checks the id_token's signature
against the provider's published keys (JWKS, fetched again when a new key id appears).
We add what it leaves to the caller: the issuer the discovery document states must be the
one the area configured, and the id_token must be for this client (`aud`), from this issuer
(`iss`), carry the nonce we sent, a subject and its times. Anything else is a `Refused`,
with a reason for the audit trail and a sentence for the person.

A client is made per request from the area's settings, so an administrator's change takes
effect at once (the discovery document and keys are fetched again each time: two small
requests per sign-in).

At the token endpoint linkwork proves it is the client with the area's client secret
(client_secret_basic or client_secret_post) or, as CIS2 recommends, with a JWT signed by the
area's private key (private_key_jwt, RFC 7523; Authlib's `PrivateKeyJWT`; keys.py). When the
area asks for CIS2's national RBAC roles, they are read from the userinfo endpoint, whose
`sub` must be the id_token's (OpenID Connect Core 5.3.4).

`check_logout_token` checks a back-channel logout token (OpenID Connect Back-Channel
Logout 1.0, 2.6) against the provider's published keys; whether its `jti` was seen before is
the action's to decide (actions.end_sessions_by_back_channel).
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from django.conf import settings
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

from accounts.oidc import keys, rbac

# Seconds a provider may take to answer each request before the person is told.
TIMEOUT = 10
# Clock difference allowed between linkwork and the provider when checking token times.
LEEWAY = 60
# How long our client assertion (private_key_jwt) is good for: one token request.
ASSERTION_LIFETIME = 300
# Back-channel logout: the event a logout token must carry, and how old (by its iat) a
# token may be and still be acted on. Its jti is remembered for as long.
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_MAX_AGE = 600
# Signatures accepted on a provider's tokens: public-key ones only (never "none", nor an
# HMAC keyed with something the provider publishes).
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")

MESSAGES = {
    "state": "Your sign-in took too long, or was started in another window or browser. "
    "Start again from the sign-in page.",
    "cancelled": "Signing in was cancelled or refused at {name}. Start again from the "
    "sign-in page.",
    "unreachable": "{name} could not be reached, so you have not been signed in. Try again "
    "in a few minutes, or sign in with your email address and password.",
    "not_configured": "Signing in with {name} is not set up correctly, so you have not "
    "been signed in. Tell your administrator, or sign in with your email address and "
    "password.",
}
# Reasons that are the installation's set-up, told to the person as "not set up correctly".
for _reason in ("no_credentials", "bad_private_key"):
    MESSAGES[_reason] = MESSAGES["not_configured"]
UNTRUSTED = (
    "The answer from {name} could not be trusted, so you have not been signed in. Start "
    "again from the sign-in page. If it happens again, tell your administrator."
)


@dataclass
class Refused(Exception):
    """The sign-in was refused before anyone was identified. `reason` goes to the audit
    trail; `message(provider)` is what the person reads."""

    reason: str

    def message(self, provider) -> str:
        return MESSAGES.get(self.reason, UNTRUSTED).format(name=provider.name)


def redirect_uri(provider) -> str:
    """The callback address registered with the provider: from LINKWORK_SITE_URL, never
    from the request's Host header, so it is always the one registered."""
    path = reverse("accounts:oidc_callback", args=[provider.area.code])
    return settings.SITE_URL.rstrip("/") + path


class _PrivateKeyJWT(PrivateKeyJWT):
    """Authlib's private_key_jwt, with the key's id in the header (the provider picks our key
    from our JWKS by it) and a lifetime of minutes, not Authlib's hour."""

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            alg=keys.ALGORITHM,
            header={"kid": auth.client_secret.kid, "typ": "JWT"},
            expires_in=ASSERTION_LIFETIME,
        )


def credentials(provider):
    """The client secret, or the private key for private_key_jwt: Refused if missing."""
    if provider.uses_private_key:
        try:
            key = keys.signing_key(provider.area.code)
        except keys.KeyProblem as error:
            raise Refused("bad_private_key") from error
        if key is None:
            raise Refused("no_credentials")
        return key
    secret = provider.client_secret()
    if not secret:
        raise Refused("no_credentials")
    return secret


def client_for(provider, *, with_credentials: bool = True):
    # The name keys the state Authlib keeps in the session: one per area.
    secret = credentials(provider) if with_credentials else None
    return OAuth().register(
        name=f"linkwork_sso_{provider.pk.hex}",
        client_id=provider.client_id,
        client_secret=secret,
        server_metadata_url=provider.discovery_url,
        client_auth_methods=[_PrivateKeyJWT()] if provider.uses_private_key else None,
        client_kwargs={
            "scope": provider.requested_scopes,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT,
            "token_endpoint_auth_method": provider.client_auth_method,
        },
    )


def start(request, provider):
    """The redirect to the provider's sign-in, with state, nonce and PKCE in the session."""
    if not is_trusted_issuer(provider.issuer):
        raise Refused("not_configured")
    client = client_for(provider)
    _check_discovery(client, provider)
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    try:
        return client.authorize_redirect(request, redirect_uri(provider), **extra)
    except (requests.RequestException, ValueError) as error:
        raise Refused("unreachable") from error


def finish(request, provider) -> dict:
    """The callback: the code exchanged and the id_token checked. Returns its claims."""
    if not is_trusted_issuer(provider.issuer):
        raise Refused("not_configured")
    client = client_for(provider)
    _check_discovery(client, provider)
    claims_options = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        # Authlib compares it with the nonce it kept in the session; essential makes a token
        # without one a refusal rather than a pass.
        "nonce": {"essential": True},
    }
    try:
        token = client.authorize_access_token(request, claims_options=claims_options, leeway=LEEWAY)
    except MismatchingStateError as error:
        raise Refused("state") from error
    except ExpiredTokenError as error:
        raise Refused("expired") from error
    except ClaimError as error:
        raise Refused(_claim_reason(error.claim)) from error
    except BadSignatureError as error:
        raise Refused("signature") from error
    except JoseError as error:
        raise Refused("invalid_token") from error
    except OAuthError as error:
        cancelled = error.error in {"access_denied", "login_required", "consent_required"}
        raise Refused("cancelled" if cancelled else "provider_error") from error
    except AuthlibBaseError as error:
        raise Refused("provider_error") from error
    except requests.RequestException as error:
        raise Refused("unreachable") from error
    except (ValueError, KeyError) as error:  # a malformed answer (not JSON, no token)
        raise Refused("invalid_token") from error
    claims = token.get("userinfo")
    if not claims:  # no id_token at all: Authlib checks one only when it is there
        raise Refused("no_id_token")
    claims = dict(claims)
    if provider.national_rbac:
        # Only the roles are taken from userinfo: everything else is the signed id_token's.
        claims[rbac.ROLES_CLAIM] = _roles_from_userinfo(client, token, claims)
    return claims


def _roles_from_userinfo(client, token, claims):
    try:
        info = client.userinfo(token=token)
    except requests.HTTPError as error:
        raise Refused("userinfo") from error
    except requests.RequestException as error:
        raise Refused("unreachable") from error
    except (ValueError, KeyError, AuthlibBaseError) as error:  # not JSON, no endpoint
        raise Refused("userinfo") from error
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        raise Refused("userinfo_subject")
    return info.get(rbac.ROLES_CLAIM, claims.get(rbac.ROLES_CLAIM))


def check_logout_token(provider, logout_token) -> dict:
    """A back-channel logout token's claims, once its signature (the provider's published
    keys), type, issuer, audience, times, event and subject or session are checked and it
    has no nonce (Back-Channel Logout 2.6). Refused(reason) otherwise."""
    if not is_trusted_issuer(provider.issuer):
        raise Refused("not_configured")
    if not isinstance(logout_token, str) or logout_token.count(".") != 2:
        raise Refused("malformed")
    client = client_for(provider, with_credentials=False)
    _check_discovery(client, provider)
    metadata = client.load_server_metadata()
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in offered if alg in ASYMMETRIC] or ["RS256"]
    try:
        try:
            token = jwt.decode(
                logout_token, KeySet.import_key_set(client.fetch_jwk_set()), algorithms
            )
        except InvalidKeyIdError:  # a key the provider has just added
            keyset = KeySet.import_key_set(client.fetch_jwk_set(force=True))
            token = jwt.decode(logout_token, keyset, algorithms)
    except requests.RequestException as error:
        raise Refused("unreachable") from error
    except BadSignatureError as error:
        raise Refused("signature") from error
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise Refused("malformed") from error
    typ = token.header.get("typ")
    # Explicit typing (logout+jwt) is recommended, not required; another type is refused.
    if typ is not None and str(typ).lower() not in ("logout+jwt", "application/logout+jwt", "jwt"):
        raise Refused("wrong_type")
    claims = dict(token.claims)
    _check_logout_claims(provider, claims)
    return claims


def _check_logout_claims(provider, claims) -> None:
    now = int(time.time())
    if claims.get("iss") != provider.issuer:
        raise Refused("wrong_issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences:
        raise Refused("wrong_audience")
    iat = claims.get("iat")
    if not _is_time(iat):
        raise Refused("no_iat")
    if iat > now + LEEWAY:
        raise Refused("issued_in_future")
    if iat < now - LOGOUT_TOKEN_MAX_AGE - LEEWAY:
        raise Refused("stale")
    if "exp" in claims and (not _is_time(claims["exp"]) or claims["exp"] + LEEWAY < now):
        raise Refused("expired")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti.strip() or len(jti) > 255:
        raise Refused("no_jti")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise Refused("events")
    if "nonce" in claims:  # an id_token passed off as a logout token
        raise Refused("nonce")
    sub, sid = claims.get("sub"), claims.get("sid")
    if sub is None and sid is None:
        raise Refused("no_subject")
    for value in (sub, sid):
        if value is not None and (not isinstance(value, str) or not value or len(value) > 255):
            raise Refused("no_subject")


def _is_time(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_discovery(client, provider) -> None:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise Refused("unreachable") from error
    # OpenID Connect Discovery 4.3: the document must name the issuer we asked.
    if metadata.get("issuer") != provider.issuer:
        raise Refused("discovery_issuer")


def _claim_reason(claim: str) -> str:
    return {
        "iss": "wrong_issuer",
        "aud": "wrong_audience",
        "azp": "wrong_audience",
        "nonce": "nonce",
        "sub": "no_subject",
        "iat": "issued_in_future",
        "nbf": "not_yet_valid",
    }.get(claim, f"claim_{claim}")


def is_trusted_issuer(issuer: str) -> bool:
    """An issuer the installation's operator has listed (LINKWORK_OIDC_TRUSTED_ISSUERS), or,
    in a non-production installation only, a provider on this machine (the fake). An area's
    administrator cannot point sign-in at a provider of their own making."""
    if issuer in settings.LINKWORK_OIDC_TRUSTED_ISSUERS:
        return True
    return bool(settings.LINKWORK_NONPROD) and urlsplit(issuer).hostname in {
        "127.0.0.1",
        "localhost",
        "::1",
    }
