import secrets
from base64 import b32decode
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.identifiers import normalise_email
from accounts.models import SignInAttempt, User
from core import audit
from core.errors import ActionError
from core.permissions import Permission, Role, require_permission
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
    # An area's service administrators belong to the ICB itself (organisations.actions.area_office).
    Organisation.Kind.COMMISSIONER: {Role.COMMISSIONER, Role.SERVICE_ADMIN},
    Organisation.Kind.NATIONAL: {Role.NATIONAL},
    Organisation.Kind.OPERATOR: {Role.SYSTEM_ADMIN},
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


# Passwords: reset by emailed link, change, and confirming it's you (accounts/passwords.py,
# accounts/reauth.py). Imports are local to keep accounts.actions free of import cycles
# (notifications reaches referrals, which reaches accounts).


@transaction.atomic
def record_password_reset_request(*, address: str) -> None:
    """Someone asked for a reset link. Written (and committed) before requests from the
    address are counted, as sign-in tries are; it names no account and not the address
    typed, which may be anyone's."""
    audit.record_auth(by=None, verb="password_reset_requested", address=address)


@transaction.atomic
def send_password_reset_link(*, user: User):
    """Email a one-time reset link, unless this account has had RESET_EMAILS_PER_ACCOUNT in
    the last hour (then None): the form cannot be used to flood someone's inbox."""
    from uuid import uuid4

    from accounts import passwords
    from notifications.actions import email_staff
    from notifications.models import Message

    # Parallel requests for one account queue here, so the count below sees every email.
    user = User.objects.select_for_update().get(pk=user.pk)
    recent = Message.objects.filter(
        to_user=user,
        template__code="password_reset",
        created_at__gte=timezone.now() - passwords.RESET_WINDOW,
    )
    if recent.count() >= passwords.RESET_EMAILS_PER_ACCOUNT:
        audit.record_auth(by=None, verb="password_reset_limited", account=str(user.pk))
        return None
    messages = email_staff(
        by=None,
        users=[user],
        template_code="password_reset",
        personalisation={"link": passwords.reset_link(user)},
        reference=f"password_reset:{uuid4()}",
    )
    audit.record_change(by=None, verb="send_password_reset_link", obj=user)
    return messages[0] if messages else None


@transaction.atomic
def reset_password(*, user: User, password: str, address: str = "") -> User:
    """A new password from a reset link. Every session of the account ends (Django's
    session check compares a hash of the password), and the person is told by email."""
    _set_password(user, password)
    audit.record_auth(by=user, verb="reset_password", address=address)
    _tell_password_changed(user)
    return user


@transaction.atomic
def change_password(*, by: User, current_password: str, password: str, address: str = "") -> User:
    """A signed-in person's new password, after their current one. Their other sessions end;
    the view keeps the one they are using (update_session_auth_hash)."""
    if not by.check_password(current_password):
        raise ActionError("Your current password is not right", field="current_password")
    _set_password(by, password)
    audit.record_auth(by=by, verb="change_password", address=address)
    _tell_password_changed(by)
    return by


@transaction.atomic
def record_reauthentication(*, by: User, succeeded: bool, address: str = "") -> None:
    """A signed-in person confirmed it was them before a sensitive action, or failed to."""
    verb = "confirm_its_you" if succeeded else "confirm_its_you_failed"
    audit.record_auth(by=by, verb=verb, address=address)


def _set_password(user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def _tell_password_changed(user: User) -> None:
    from uuid import uuid4

    from notifications.actions import email_staff

    email_staff(
        by=user,
        users=[user],
        template_code="password_changed",
        personalisation={},
        reference=f"password_changed:{uuid4()}",
    )


# Set-up links: how a new administrator chooses their first password (accounts/setup_links.py).


@transaction.atomic
def issue_set_up_link(*, by, user: User) -> str:
    """A new one-time link for the account (any earlier one stops working). Returns the
    token, which is shown once and never stored."""
    from accounts.models import SetUpLink
    from accounts.setup_links import LIFETIME, hash_token

    now = timezone.now()
    SetUpLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    SetUpLink.objects.create(
        user=user,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    audit.record_change(by=by, verb="issue_set_up_link", obj=user)
    return token


@transaction.atomic
def create_administrator(*, by, email: str, full_name: str, area=None) -> tuple[User, str]:
    """A system administrator (no area) or a service administrator of `area`, with no
    password until they follow the set-up link. Returns the account and the link's token."""
    from organisations.actions import area_office, operator_organisation

    full_name = " ".join(full_name.split())
    if not full_name:
        raise ActionError("Enter the person's full name", field="full_name")
    if area is None:
        organisation, role = operator_organisation(by=by), Role.SYSTEM_ADMIN
    else:
        organisation, role = area_office(by=by, area=area), Role.SERVICE_ADMIN
    try:
        validate_email(normalise_email(email))
    except ValidationError:
        raise ActionError(
            "Enter an email address in the correct format, like name@example.nhs.uk",
            field="email",
        ) from None
    user = create_staff_user(
        by=by,
        email=email,
        full_name=full_name,
        organisation=organisation,
        role=role,
        password=None,
        check_password=False,
    )
    return user, issue_set_up_link(by=by, user=user)


@transaction.atomic
def complete_set_up(*, token: str, password: str) -> User:
    """The person behind a set-up link chooses their password. The link is claimed with a
    conditional update, so that of two tries at once exactly one succeeds."""
    from accounts.models import SetUpLink
    from accounts.setup_links import NOT_VALID, find_link

    link = find_link(token)
    if link is None:
        raise ActionError(NOT_VALID)
    user = link.user
    validate_password(password, user)
    now = timezone.now()
    claimed = SetUpLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise ActionError(NOT_VALID)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record_auth(by=user, verb="set_up_account")
    return user


# The second factor (accounts/second_factor.py, ADR 0008). Codes are checked by django-otp
# with the person's devices locked (select_for_update; on SQLite the IMMEDIATE transaction
# takes the write lock first), so tries that arrive together wait for each other: each sees
# the failures before it, django-otp's back-off (1, 2, 4, 8… seconds after successive
# wrong codes) holds however many arrive at once, and a code's time step is used once.
# Wrong codes are returned, not raised, so that the failure that counts is committed.


@transaction.atomic
def start_second_factor_set_up(*, user: User):
    """The authenticator being set up: the same one until it is confirmed, so that reloading
    the page never changes a secret the person may already have scanned."""
    if second_factor.has_second_factor(user):
        raise ActionError("You have already set up your second factor")
    device = second_factor.authenticator(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=second_factor.AUTHENTICATOR_NAME, confirmed=False
        )
    return device


@transaction.atomic
def confirm_second_factor(*, user: User, code: str):
    """The first code from the new authenticator: it is confirmed and recovery codes are
    made. Returns (Check, recovery codes); the codes are for showing once."""
    code = second_factor.normalise_code(code)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if device is None:
        if second_factor.has_second_factor(user):
            raise ActionError("You have already set up your second factor")
        raise ActionError("Start setting up your authenticator app again")
    allowed, why = device.verify_is_allowed()
    if not allowed:
        return second_factor.Check(passed=False, throttled_until=why["locked_until"]), []
    if not second_factor.looks_like_authenticator_code(code):
        device.throttle_increment()
        return second_factor.Check(passed=False), []
    if not device.verify_token(code):
        return second_factor.Check(passed=False), []
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    audit.record_auth(by=user, verb="second_factor_set_up")
    return second_factor.Check(passed=True, device=device), codes


@transaction.atomic
def check_second_factor(*, user: User, code: str, allow_recovery_code: bool = True):
    """A code typed after the password (or before a sensitive change): the authenticator's
    current code, or one of the recovery codes (used up as it is used). One count of wrong
    codes per person, kept on the authenticator, covers both kinds."""
    code = second_factor.normalise_code(code)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("id")
        .first()
    )
    if device is None:
        return second_factor.Check(passed=False)
    allowed, why = device.verify_is_allowed()
    if not allowed:
        audit.record_auth(by=user, verb="second_factor_failed", outcome="throttled")
        return second_factor.Check(passed=False, throttled_until=why["locked_until"])
    if second_factor.looks_like_authenticator_code(code):
        if device.verify_token(code):  # checks the step is later than the last one used
            audit.record_auth(by=user, verb="second_factor_passed", method="authenticator")
            return second_factor.Check(passed=True, device=device)
    elif allow_recovery_code and code:
        # A delete that removes the row is the one try that may use it.
        used, _ = StaticToken.objects.filter(
            device__user=user, device__confirmed=True, token=code
        ).delete()
        if used:
            device.throttle_reset()
            left = second_factor.recovery_codes_left(user)
            audit.record_auth(
                by=user, verb="second_factor_passed", method="recovery_code", left=left
            )
            return second_factor.Check(passed=True, device=device, used_recovery_code=True)
        device.throttle_increment()
    else:
        device.throttle_increment()
    audit.record_auth(by=user, verb="second_factor_failed", outcome="wrong_code")
    return second_factor.Check(passed=False)


@transaction.atomic
def regenerate_recovery_codes(*, by: User) -> list[str]:
    """New recovery codes (the old ones stop working), after the person has given their
    password and a current code (the view checks both). Returned for showing once."""
    if not second_factor.has_second_factor(by):
        raise ActionError("Set up your authenticator app first")
    codes = _new_recovery_codes(by)
    audit.record_auth(by=by, verb="recovery_codes_regenerated")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=second_factor.RECOVERY_NAME, confirmed=True
    )
    codes: list[str] = []
    while len(codes) < second_factor.RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def reset_second_factor(*, by: User, user: User) -> None:
    """An administrator removes a person's authenticator and recovery codes (a lost phone).
    Sessions the person had stop counting as verified at once; their next sign-in sets up a
    new authenticator, after the password (a session from before the reset cannot). The
    person is emailed, so that a reset they did not ask for is noticed."""
    from notifications.actions import email_staff

    require_permission(by, Permission.STAFF_MANAGE)
    if by.role != Role.SYSTEM_ADMIN and by.organisation.area_id != user.organisation.area_id:
        raise ActionError("You can reset the second factor only of staff in your area")
    if by.pk == user.pk:
        raise ActionError("Ask another administrator to reset your own second factor")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    event = audit.record_change(by=by, verb="reset_second_factor", obj=user)
    email_staff(
        by=by,
        users=[user],
        template_code="second_factor_reset",
        personalisation={
            "by": by.full_name,
            "link": settings.SITE_URL.rstrip("/") + reverse("accounts:login"),
        },
        reference=f"second_factor_reset:{event.pk}",
    )


def _nonprod_only() -> None:
    if not settings.LINKWORK_NONPROD:
        raise ActionError("Demo accounts exist only where LINKWORK_NONPROD is on")


@transaction.atomic
def mark_demo_accounts(*, by, users) -> int:
    """The demo's documented logins skip the second factor (only where LINKWORK_NONPROD is
    on, which is also the only place this runs)."""
    _nonprod_only()
    ids = [u.pk for u in users]
    marked = User.objects.filter(pk__in=ids, is_demo=False).update(is_demo=True)
    audit.record_change(by=by, verb="mark_demo_accounts", count=marked)
    return marked


@transaction.atomic
def give_demo_authenticator(*, by, user: User, secret: str):
    """A confirmed authenticator with a secret published in the README, so that a newcomer
    can see the second-factor journey with the demo (never outside LINKWORK_NONPROD)."""
    _nonprod_only()
    key = b32decode(secret.replace(" ", "").upper()).hex()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name=second_factor.AUTHENTICATOR_NAME, key=key, confirmed=True
    )
    User.objects.filter(pk=user.pk).update(is_demo=False)
    audit.record_change(by=by, verb="give_demo_authenticator", obj=user)
    return device
