"""Single sign-on: an area's identity provider, and who each person is there.

The models live in the `accounts` app (imported by `accounts/models.py`)."""

import os
import re

from django.db import models
from django.db.models import Q
from django_otp.models import Device

from core.models import BaseModel

# A client secret or private key never sits in the database: it is read from an environment
# variable whose name comes from the area's code (not from anything an administrator types),
# so that one area's administrator cannot point their provider at another secret on the
# server. The private key may instead be in a file whose path is in the environment.
SECRET_ENV_PREFIX = "LINKWORK_OIDC_SECRET_"
PRIVATE_KEY_ENV_PREFIX = "LINKWORK_OIDC_PRIVATE_KEY_"
PRIVATE_KEY_FILE_ENV_PREFIX = "LINKWORK_OIDC_PRIVATE_KEY_FILE_"
# CIS2 answers national RBAC roles from its userinfo endpoint when this scope is asked for.
NATIONAL_RBAC_SCOPE = "nationalrbacaccess"


def _env_suffix(area_code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", area_code.upper())


def secret_env_name(area_code: str) -> str:
    return SECRET_ENV_PREFIX + _env_suffix(area_code)


def private_key_env_name(area_code: str) -> str:
    return PRIVATE_KEY_ENV_PREFIX + _env_suffix(area_code)


def private_key_file_env_name(area_code: str) -> str:
    return PRIVATE_KEY_FILE_ENV_PREFIX + _env_suffix(area_code)


class SingleSignOnProvider(BaseModel):
    """The identity provider an area's staff may sign in with (at most one per area)."""

    class ClientAuth(models.TextChoices):
        """How linkwork proves it is the client at the token endpoint (OpenID Connect Core
        9). CIS2 recommends private_key_jwt: a JWT signed with our private key, whose public
        half the provider reads from our JWKS URL (RFC 7523), so no shared secret exists."""

        CLIENT_SECRET_BASIC = "client_secret_basic", "Client secret (HTTP Basic)"
        CLIENT_SECRET_POST = "client_secret_post", "Client secret (in the request body)"
        PRIVATE_KEY_JWT = "private_key_jwt", "Private key JWT (NHS CIS2 recommends this)"

    area = models.OneToOneField(
        "organisations.Area", on_delete=models.CASCADE, related_name="single_sign_on"
    )
    # Shown on the button: "Sign in with NHS CIS2", "Sign in with NHSmail".
    name = models.CharField(max_length=60)
    # The issuer exactly as the provider's discovery document and tokens state it.
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    scopes = models.CharField(max_length=300, default="openid profile email")
    # Asked of the provider: CIS2 lets a service say which authenticators it accepts.
    acr_values = models.CharField(max_length=200, blank=True)
    # The claim that names a person for good (CIS2: sub, their UUID; Entra ID: sub or oid).
    subject_claim = models.CharField(max_length=60, default="sub")
    # The claim holding the email address used once, to find the invited account.
    email_claim = models.CharField(max_length=60, default="email")
    # When the provider's own second factor counts as linkwork's: claim=value pairs, one a
    # line; any one present in the id_token is enough (a list claim such as amr contains the
    # value). Empty: never, and people enter a code from linkwork's authenticator as well.
    mfa_evidence = models.TextField(blank=True)
    client_auth_method = models.CharField(
        max_length=30, choices=ClientAuth.choices, default=ClientAuth.CLIENT_SECRET_BASIC
    )
    # CIS2's national RBAC: ask for the `nationalrbacaccess` scope and keep the roles the
    # person presents (`nhsid_nrbac_roles`, from the userinfo endpoint) on their identity.
    national_rbac = models.BooleanField(default=False)
    # …and refuse sign-in unless one of those roles is at the person's organisation (its ODS
    # code, or the codes linkwork counts as its own: accounts/oidc/rbac.py).
    require_rbac_organisation = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "accounts"
        constraints = [
            models.CheckConstraint(
                condition=Q(require_rbac_organisation=False) | Q(national_rbac=True),
                name="sso_rbac_check_needs_rbac",
            )
        ]

    def __str__(self):
        return f"{self.name} for {self.area}"

    @property
    def secret_env(self) -> str:
        return secret_env_name(self.area.code)

    @property
    def private_key_env(self) -> str:
        return private_key_env_name(self.area.code)

    @property
    def private_key_file_env(self) -> str:
        return private_key_file_env_name(self.area.code)

    def client_secret(self) -> str:
        return os.environ.get(self.secret_env, "")

    @property
    def uses_private_key(self) -> bool:
        return self.client_auth_method == self.ClientAuth.PRIVATE_KEY_JWT

    @property
    def requested_scopes(self) -> str:
        scopes = self.scopes.split()
        if self.national_rbac and NATIONAL_RBAC_SCOPE not in scopes:
            scopes.append(NATIONAL_RBAC_SCOPE)
        return " ".join(scopes)

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def evidence_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.mfa_evidence.splitlines():
            claim, sep, value = line.partition("=")
            if sep and claim.strip() and value.strip():
                pairs.append((claim.strip(), value.strip()))
        return pairs

    def mfa_counts(self, claims) -> bool:
        """Whether this id_token shows the provider's own second factor, by this area's rule."""
        for claim, expected in self.evidence_pairs():
            value = claims.get(claim)
            if isinstance(value, list):
                if expected in [str(v) for v in value]:
                    return True
            elif value is not None and str(value) == expected:
                return True
        return False


class SingleSignOnIdentity(Device):
    """A person's account bound to their subject at an identity provider.

    Made at their first single sign-on, when their email address (from the provider)
    matched an active account of the area that had none; from then on only the subject is
    used, so a changed or reused email address at the provider cannot reach another account.

    It is also a django-otp device: a session signed in through a provider whose second
    factor counts is marked verified with it (`django_otp.login`), and stops being verified
    if it is removed. It never checks a code itself."""

    issuer = models.URLField(max_length=300)
    subject = models.CharField(max_length=255)
    bound_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The national RBAC roles presented at the last sign-in (accounts/oidc/rbac.py keeps the
    # known fields of each); empty when the provider was not asked for them.
    national_rbac_roles = models.JSONField(default=list, blank=True)

    class Meta:
        app_label = "accounts"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="sso_one_account_per_subject"
            ),
            models.UniqueConstraint(fields=["user", "issuer"], name="sso_one_subject_per_account"),
            models.CheckConstraint(condition=~Q(subject=""), name="sso_subject_not_blank"),
        ]

    def verify_token(self, token):
        return False


class SingleSignOnSession(BaseModel):
    """A session at the provider (the id_token's `sid`) that signed this person in, kept so
    that a back-channel logout naming only the sid finds them. Kept as long as a linkwork
    session can last (SESSION_MAX_SECONDS); older ones are removed at the next sign-in."""

    identity = models.ForeignKey(
        SingleSignOnIdentity, on_delete=models.CASCADE, related_name="provider_sessions"
    )
    sid = models.CharField(max_length=255)
    signed_in_at = models.DateTimeField()

    class Meta:
        app_label = "accounts"
        indexes = [models.Index(fields=["sid"], name="sso_session_sid")]
        constraints = [
            models.UniqueConstraint(fields=["identity", "sid"], name="sso_session_once"),
            models.CheckConstraint(condition=~Q(sid=""), name="sso_session_sid_not_blank"),
        ]


class BackChannelLogoutToken(BaseModel):
    """A logout token already acted on (its `jti`), so that the same token sent again is
    refused. Forgotten once a token that old would be refused anyway for its age."""

    issuer = models.URLField(max_length=300)
    jti = models.CharField(max_length=255)
    forget_after = models.DateTimeField()

    class Meta:
        app_label = "accounts"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "jti"], name="sso_logout_token_once")
        ]
