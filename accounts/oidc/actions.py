"""Single sign-on's writes: an area's provider settings, and signing someone in.

Who may sign in (no self-provisioning): a person whose subject at the area's provider is
already bound to an account of the area; or, the first time, a person whose email address
at the provider is that of an active account of the area with no subject yet from that
provider, which is then bound. After that only the subject counts: a changed email address
at the provider does not matter, and another person's address cannot take over an account
that is bound. Switched-off accounts are refused. Refusals are returned, not raised, so
that their audit row is committed.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actions import accept_invitations
from accounts.identifiers import normalise_email
from accounts.models import User
from accounts.oidc import client
from accounts.oidc.models import SingleSignOnIdentity, SingleSignOnProvider
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
    if identity is None and _invitation_lapsed(user, now):
        return _refuse(provider, "invitation_expired", address, account=user)
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
    identity.save(update_fields=["last_used_at"])
    mfa_counts = provider.mfa_counts(claims)
    audit.record_auth(
        by=user,
        verb="sign_in",
        method="single_sign_on",
        provider=provider.name,
        area=provider.area.code,
        bound_now=bound_now,
        provider_second_factor=mfa_counts,
        address=address,
    )
    return SignIn(user=user, identity=identity, mfa_counts=mfa_counts)


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
    enabled: bool = True,
) -> SingleSignOnProvider:
    """A service administrator sets their area's identity provider. The client secret is
    not here: it is read from the environment (models.secret_env_name)."""
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


def _invitation_lapsed(user, now) -> bool:
    """Invited, never accepted, and the invitation has run out: the administrator decides
    again rather than single sign-on letting them in."""
    from accounts.models import Invitation

    if user.has_usable_password():
        return False
    latest = user.invitations.order_by("-invited_at").first()
    return (
        latest is not None
        and latest.status == Invitation.Status.PENDING
        and latest.expires_at <= now
    )


def _refuse(provider, reason, address, *, account=None, email=None) -> SignIn:
    detail = {"account": str(account.pk)} if account is not None else {}
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
