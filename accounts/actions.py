from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts.identifiers import normalise_email
from accounts.models import SignInAttempt, User
from core import audit
from core.errors import ActionError
from core.permissions import Role
from organisations.models import Organisation

# Which roles make sense in which kind of organisation.
ROLES_BY_KIND = {
    Organisation.Kind.GP_PRACTICE: {Role.REFERRER},
    Organisation.Kind.REFERRING_PARTNER: {Role.REFERRER},
    Organisation.Kind.LINK_WORKER_SERVICE: {
        Role.TEAM_LEAD,
        Role.LINK_WORKER,
        Role.DIRECTORY_EDITOR,
    },
    Organisation.Kind.PROVIDER: {Role.PROVIDER},
    Organisation.Kind.COMMISSIONER: {Role.COMMISSIONER},
    Organisation.Kind.NATIONAL: {Role.NATIONAL},
}


@transaction.atomic
def create_staff_user(
    *,
    by,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    password: str,
    job_title: str = "",
    check_password: bool = True,
) -> User:
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ActionError(
            f"A {organisation.get_kind_display()} cannot have a {role} account", field="role"
        )
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ActionError(f"There is already an account for {email}", field="email")
    user = User(
        email=email,
        full_name=full_name,
        organisation=organisation,
        role=role,
        job_title=job_title,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record_change(by=by, verb="create_staff_user", obj=user, role=role)
    return user


@transaction.atomic
def record_sign_in_attempt(*, email: str, address: str, device: str) -> SignInAttempt:
    """A try at signing in, before its password is checked (see accounts/throttle.py)."""
    return SignInAttempt.objects.create(
        email=email, address=address, device=device, outcome=SignInAttempt.Outcome.PENDING
    )


@transaction.atomic
def record_sign_in_outcome(*, attempt: SignInAttempt, outcome: str, account: User | None) -> None:
    """How a try at signing in ended, audited. The audit names the account where one has
    that address, never the address typed otherwise (it may be a password typed in the
    wrong box), and never the password."""
    SignInAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    attempt.outcome = outcome
    where = {"address": attempt.address, "trusted_device": bool(attempt.device)}
    if outcome == SignInAttempt.Outcome.SUCCEEDED:
        audit.record_auth(by=account, verb="sign_in", **where)
    else:
        audit.record_auth(
            by=None,
            verb="sign_in_failed",
            account=str(account.pk) if account is not None else None,
            outcome="refused" if outcome == SignInAttempt.Outcome.REFUSED else "wrong_password",
            **where,
        )


# Sign-in tries are kept only as long as the limits need them, and a little longer to look
# into an attack; the audit trail is the lasting record.
KEEP_SIGN_IN_ATTEMPTS = timedelta(days=1)


@transaction.atomic
def forget_old_sign_in_attempts() -> int:
    """A periodic duty (core/periodic.py): drop sign-in tries older than a day."""
    cutoff = timezone.now() - KEEP_SIGN_IN_ATTEMPTS
    deleted, _ = SignInAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
