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
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

# Seconds a provider may take to answer each request before the person is told.
TIMEOUT = 10
# Clock difference allowed between linkwork and the provider when checking token times.
LEEWAY = 60

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


def client_for(provider):
    # The name keys the state Authlib keeps in the session: one per area.
    return OAuth().register(
        name=f"linkwork_sso_{provider.pk.hex}",
        client_id=provider.client_id,
        client_secret=provider.client_secret(),
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT,
        },
    )


def start(request, provider):
    """The redirect to the provider's sign-in, with state, nonce and PKCE in the session."""
    if not provider.client_secret() or not is_trusted_issuer(provider.issuer):
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
    return dict(claims)


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
