"""Single sign-on's writes: an area's provider settings, and signing someone in.

Who may sign in (no self-provisioning): a person whose subject at the area's provider is
already bound to an account of the area; or, the first time, a person whose email address
at the provider is that of an active account of the area with no subject yet from that
provider, which is then bound. After that only the subject counts: a changed email address
at the provider does not matter, and another person's address cannot take over an account
that is bound. Switched-off accounts are refused. Refusals are returned, not raised, so
that their audit row is committed.

An area may also ask the provider for the person's national RBAC roles (CIS2) and refuse a
person none of whose roles is at their organisation (rbac.py); the roles presented are kept
on their identity. The provider's session id (`sid`) is remembered at each sign-in, so that
a back-channel logout naming it (`end_sessions_by_back_channel`) finds the person and ends
every linkwork session they have, as switching off a leaver does.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import invitations
from accounts.actions import accept_invitations
from accounts.identifiers import normalise_email
from accounts.models import User
from accounts.oidc import client, rbac
from accounts.oidc.models import (
    BackChannelLogoutToken,
    SingleSignOnIdentity,
    SingleSignOnProvider,
    SingleSignOnSession,
)
from core import audit
from core.errors import ActionError
from core.permissions import Permission, require_permission

# What the person reads when they are identified but may not sign in.
REFUSALS = {
    "unknown": "You do not have a linkwork account in {area}, or it is not set up for "
    "signing in with {name}. Ask your administrator to invite you.",
    "switched_off": "Your linkwork account has been switched off. Ask your administrator.",
    "bound_to_another": "Your linkwork account is already linked to a different {name} "
    "account. Sign in with that one, or ask your administrator.",
    "no_subject": "{name} did not say who you are, so you have not been signed in. Tell "
    "your administrator.",
    "invitation_expired": "Your invitation to linkwork has expired. Ask your administrator "
    "to send it again.",
    "no_role_here": "None of the roles on your {name} account is at your organisation in "
    "linkwork, so you have not been signed in. Ask your Registration Authority to check "
    "your roles, or your administrator to check your organisation's ODS code.",
}


@dataclass
class SignIn:
    user: User | None = None
    identity: SingleSignOnIdentity | None = None
    refusal: str = ""
    mfa_counts: bool = False

    def message(self, provider) -> str:
        return REFUSALS[self.refusal].format(area=provider.area.name, name=provider.name)


@transaction.atomic
def sign_in_with_single_sign_on(
    *, provider: SingleSignOnProvider, claims: dict, address: str = ""
) -> SignIn:
    """The account a checked id_token signs in, binding its subject the first time."""
    now = timezone.now()
    subject = claims.get(provider.subject_claim)
    if not isinstance(subject, str) or not subject.strip():
        return _refuse(provider, "no_subject", address)
    identity = (
        SingleSignOnIdentity.objects.select_related("user__organisation")
        .filter(issuer=provider.issuer, subject=subject)
        .first()
    )
    bound_now = False
    if identity is not None:
        user = User.objects.select_for_update().get(pk=identity.user_id)
        if user.organisation.area_id != provider.area_id:
            return _refuse(provider, "unknown", address, account=user)
    else:
        email = claims.get(provider.email_claim)
        # A provider that says the address is unverified is not trusted with it.
        if not isinstance(email, str) or claims.get("email_verified") is False:
            return _refuse(provider, "unknown", address)
        # Locked, so that two first sign-ins at once bind one subject, not two.
        user = (
            User.objects.select_for_update()
            .filter(email=normalise_email(email), organisation__area_id=provider.area_id)
            .first()
        )
        if user is None:
            return _refuse(provider, "unknown", address, email=normalise_email(email))
        existing = SingleSignOnIdentity.objects.filter(user=user, issuer=provider.issuer).first()
        if existing is not None and existing.subject != subject:
            return _refuse(provider, "bound_to_another", address, account=user)
        identity = existing
    if not user.is_active:
        return _refuse(provider, "switched_off", address, account=user)
    if identity is None and invitations.lapsed(user, now):
        return _refuse(provider, "invitation_expired", address, account=user)
    roles = rbac.roles_from(claims.get(rbac.ROLES_CLAIM)) if provider.national_rbac else []
    if provider.require_rbac_organisation and not rbac.roles_at(roles, user.organisation):
        return _refuse(
            provider,
            "no_role_here",
            address,
            account=user,
            role_org_codes=sorted({role["org_code"] for role in roles}),
        )
    if identity is None:
        try:
            with transaction.atomic():
                identity = SingleSignOnIdentity.objects.create(
                    user=user,
                    name=provider.name,
                    issuer=provider.issuer,
                    subject=subject,
                    bound_at=now,
                    confirmed=True,
                )
        except IntegrityError:  # the subject was bound to someone else a moment ago
            return _refuse(provider, "bound_to_another", address, account=user)
        bound_now = True
        # Signing in through the provider is accepting the invitation: the emailed set-up
        # link is no longer needed.
        accept_invitations(user, now)
    identity.last_used_at = now
    identity.national_rbac_roles = roles
    identity.save(update_fields=["last_used_at", "national_rbac_roles"])
    sid = claims.get("sid")
    remembered = _remember_provider_session(identity, sid, now)
    mfa_counts = provider.mfa_counts(claims)
    presented = {"national_rbac_roles": [rbac.describe(r) for r in roles]}
    audit.record_auth(
        by=user,
        verb="sign_in",
        method="single_sign_on",
        provider=provider.name,
        area=provider.area.code,
        bound_now=bound_now,
        provider_second_factor=mfa_counts,
        address=address,
        **(presented if provider.national_rbac else {}),
        provider_session=remembered,
    )
    return SignIn(user=user, identity=identity, mfa_counts=mfa_counts)


def _remember_provider_session(identity, sid, now) -> bool:
    """Keep the provider's session id for back-channel logout; forget ones older than any
    linkwork session can be."""
    identity.provider_sessions.filter(
        signed_in_at__lt=now - timedelta(seconds=settings.SESSION_MAX_SECONDS)
    ).delete()
    if not isinstance(sid, str) or not sid.strip() or len(sid) > 255:
        return False
    SingleSignOnSession.objects.update_or_create(
        identity=identity, sid=sid, defaults={"signed_in_at": now}
    )
    return True


@dataclass
class BackChannelLogout:
    ended: bool = False
    refusal: str = ""


@transaction.atomic
def end_sessions_by_back_channel(
    *, provider: SingleSignOnProvider, claims: dict, address: str = ""
) -> BackChannelLogout:
    """A checked logout token (client.check_logout_token) ends every linkwork session of the
    person it names, by their subject or by the provider session they signed in with: their
    session generation moves on, as when a leaver is switched off (accounts/sessions.py), so
    each session is signed out at its next request. A token is acted on once (its jti).
    Nobody found is not an error: they have no session here to end."""
    now = timezone.now()
    BackChannelLogoutToken.objects.filter(forget_after__lt=now).delete()
    forget_after = datetime.fromtimestamp(claims["iat"], tz=UTC) + timedelta(
        seconds=client.LOGOUT_TOKEN_MAX_AGE + 2 * client.LEEWAY
    )
    try:
        with transaction.atomic():
            BackChannelLogoutToken.objects.create(
                issuer=provider.issuer, jti=claims["jti"], forget_after=forget_after
            )
    except IntegrityError:
        return _refuse_logout(provider, "replayed", address)
    sub, sid = claims.get("sub"), claims.get("sid")
    identities = SingleSignOnIdentity.objects.select_related("user__organisation").filter(
        issuer=provider.issuer, user__organisation__area_id=provider.area_id
    )
    # The logout token's sub is the OpenID subject; it names an identity only where that is
    # the claim the area binds people by.
    by_sub = (
        identities.filter(subject=sub).first() if sub and provider.subject_claim == "sub" else None
    )
    by_sid = identities.filter(provider_sessions__sid=sid).first() if sid else None
    if by_sub and by_sid and by_sub.pk != by_sid.pk:
        return _refuse_logout(provider, "sid_of_another_subject", address)
    identity = by_sub or by_sid
    detail = {
        "method": "back_channel_logout",
        "provider": provider.name,
        "area": provider.area.code,
        "by_subject": sub is not None,
        "by_session": sid is not None,
        "address": address,
    }
    if identity is None:
        audit.record_auth(by=None, verb="back_channel_logout", outcome="nobody", **detail)
        return BackChannelLogout(ended=False)
    User.objects.filter(pk=identity.user_id).update(session_generation=F("session_generation") + 1)
    identity.provider_sessions.all().delete()
    audit.record_auth(by=identity.user, verb="back_channel_logout", outcome="ended", **detail)
    return BackChannelLogout(ended=True)


@transaction.atomic
def record_back_channel_logout_refused(
    *, provider: SingleSignOnProvider, reason: str, address: str = ""
) -> None:
    """A logout token that failed its checks (client.check_logout_token): nothing ended."""
    _refuse_logout(provider, reason, address)


def _refuse_logout(provider, reason, address) -> BackChannelLogout:
    audit.record_auth(
        by=None,
        verb="back_channel_logout_failed",
        method="back_channel_logout",
        area=provider.area.code,
        outcome=reason,
        address=address,
    )
    return BackChannelLogout(refusal=reason)


@transaction.atomic
def record_single_sign_on_refused(
    *, provider: SingleSignOnProvider, reason: str, address: str = ""
) -> None:
    """The provider's answer was refused before anyone was identified (a token from the
    wrong issuer or for another client, a wrong nonce or signature, a stale state…)."""
    audit.record_auth(
        by=None,
        verb="sign_in_failed",
        method="single_sign_on",
        area=provider.area.code,
        outcome=reason,
        address=address,
    )


@transaction.atomic
def configure_single_sign_on(
    *,
    by: User,
    area,
    name: str,
    issuer: str,
    client_id: str,
    scopes: str,
    acr_values: str = "",
    subject_claim: str = "sub",
    email_claim: str = "email",
    mfa_evidence: str = "",
    client_auth_method: str = SingleSignOnProvider.ClientAuth.CLIENT_SECRET_BASIC,
    national_rbac: bool = False,
    require_rbac_organisation: bool = False,
    enabled: bool = True,
) -> SingleSignOnProvider:
    """A service administrator sets their area's identity provider. The client secret and
    private key are not here: they are read from the environment (models.secret_env_name,
    keys.py)."""
    require_permission(by, Permission.AREA_SETTINGS_EDIT)
    if by.organisation.area_id != area.pk:
        raise ActionError("You can set up single sign-on only for your own area")
    issuer = issuer.strip()
    if not client.is_trusted_issuer(issuer):
        raise ActionError(
            "linkwork does not trust that issuer. Use the issuer of NHS CIS2 or of NHSmail, "
            "or ask whoever runs linkwork to add yours to LINKWORK_OIDC_TRUSTED_ISSUERS",
            field="issuer",
        )
    scope_list = scopes.split()
    if "openid" not in scope_list:
        raise ActionError("The scopes must include openid", field="scopes")
    if client_auth_method not in SingleSignOnProvider.ClientAuth.values:
        raise ActionError(
            "Choose how linkwork proves who it is to the provider", field="client_auth_method"
        )
    if require_rbac_organisation and not national_rbac:
        raise ActionError(
            "To check people's roles, also ask the provider for their national RBAC roles",
            field="require_rbac_organisation",
        )
    fields = {
        "name": " ".join(name.split()),
        "issuer": issuer,
        "client_id": client_id.strip(),
        "scopes": " ".join(scope_list),
        "acr_values": " ".join(acr_values.split()),
        "subject_claim": subject_claim.strip(),
        "email_claim": email_claim.strip(),
        "mfa_evidence": "\n".join(
            line.strip() for line in mfa_evidence.splitlines() if line.strip()
        ),
        "client_auth_method": client_auth_method,
        "national_rbac": bool(national_rbac),
        "require_rbac_organisation": bool(require_rbac_organisation),
        "enabled": enabled,
    }
    provider = SingleSignOnProvider.objects.select_for_update().filter(area=area).first()
    if provider is None:
        provider = SingleSignOnProvider.objects.create(area=area, **fields)
        changed = sorted(fields)
    else:
        changed = sorted(k for k, v in fields.items() if getattr(provider, k) != v)
        for key, value in fields.items():
            setattr(provider, key, value)
        provider.save()
    audit.record_change(by=by, verb="configure_single_sign_on", obj=provider, changed=changed)
    return provider


def _refuse(provider, reason, address, *, account=None, email=None, **more) -> SignIn:
    detail = {"account": str(account.pk)} if account is not None else {}
    detail.update(more)
    if email:
        # Who tried, so that the administrator can invite them if they should be here.
        detail["email"] = email
    audit.record_auth(
        by=None,
        verb="sign_in_failed",
        method="single_sign_on",
        area=provider.area.code,
        outcome=reason,
        address=address,
        **detail,
    )
    return SignIn(refusal=reason)
