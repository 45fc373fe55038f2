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
    from accounts.setup_links import LIFETIME

    token, _ = _new_set_up_link(user, LIFETIME)
    audit.record_change(by=by, verb="issue_set_up_link", obj=user)
    return token


def _new_set_up_link(user: User, lifetime):
    """(token, link): a new link lasting `lifetime`; the account's earlier ones stop working."""
    from accounts.models import SetUpLink
    from accounts.setup_links import hash_token

    now = timezone.now()
    SetUpLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    link = SetUpLink.objects.create(
        user=user,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + lifetime,
    )
    return token, link


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
    accept_invitations(user, now)
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
    check = _check_code_locked(user, code, confirmed=False)
    if check is None:
        if second_factor.has_second_factor(user):
            raise ActionError("You have already set up your second factor")
        raise ActionError("Start setting up your authenticator app again")
    if not check.passed:
        return check, []
    device = check.device
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    audit.record_auth(by=user, verb="second_factor_set_up")
    return check, codes


@transaction.atomic
def check_second_factor(*, user: User, code: str, allow_recovery_code: bool = True):
    """A code typed after the password (or before a sensitive change): the authenticator's
    current code, or one of the recovery codes (used up as it is used). One count of wrong
    codes per person, kept on the authenticator, covers both kinds."""
    check = _check_code_locked(user, code, confirmed=True, allow_recovery_code=allow_recovery_code)
    if check is None:
        return second_factor.Check(passed=False)
    if check.throttled_until is not None:
        audit.record_auth(by=user, verb="second_factor_failed", outcome="throttled")
    elif check.used_recovery_code:
        left = second_factor.recovery_codes_left(user)
        audit.record_auth(by=user, verb="second_factor_passed", method="recovery_code", left=left)
    elif check.passed:
        audit.record_auth(by=user, verb="second_factor_passed", method="authenticator")
    else:
        audit.record_auth(by=user, verb="second_factor_failed", outcome="wrong_code")
    return check


def _check_code_locked(user: User, code: str, *, confirmed: bool, allow_recovery_code=False):
    """The lock-and-verify both of the above share. The person's authenticator (confirmed or
    being set up) is locked first, then the back-off is honoured, the code checked, and a
    wrong one counted: a Check, or None if there is no such authenticator. A recovery code
    (when allowed) is deleted as it is used: the delete that removes the row is the one try
    that may use it."""
    code = second_factor.normalise_code(code)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=confirmed)
        .order_by("id")
        .first()
    )
    if device is None:
        return None
    allowed, why = device.verify_is_allowed()
    if not allowed:
        return second_factor.Check(passed=False, throttled_until=why["locked_until"])
    if second_factor.looks_like_authenticator_code(code):
        # django-otp checks the step is later than the last one used, and counts a failure.
        if device.verify_token(code):
            return second_factor.Check(passed=True, device=device)
    elif allow_recovery_code and code:
        used, _ = StaticToken.objects.filter(
            device__user=user, device__confirmed=True, token=code
        ).delete()
        if used:
            device.throttle_reset()
            return second_factor.Check(passed=True, device=device, used_recovery_code=True)
        device.throttle_increment()
    else:
        device.throttle_increment()
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


# Staff invitations (accounts/invitations.py): an account with no usable password and a
# set-up link lasting a week, emailed through GOV.UK Notify.


@transaction.atomic
def invite_staff(*, by, email: str, full_name: str, organisation, role: str, job_title: str = ""):
    """Invite a person: their account (in `organisation`, with `role`) and an emailed
    one-time link to choose a password. Returns the Invitation."""
    from accounts import invitations

    require_permission(by, Permission.STAFF_MANAGE)
    email = normalise_email(email)
    full_name = " ".join(full_name.split())
    job_title = " ".join(job_title.split())
    problems = invitations.check_invitation(
        by=by,
        email=email,
        full_name=full_name,
        organisation=organisation,
        role=role,
        job_title=job_title,
    )
    if problems:
        field, message = problems[0]
        raise ActionError(message, field=field)
    return _invite(
        by=by,
        email=email,
        full_name=full_name,
        organisation=organisation,
        role=role,
        job_title=job_title,
    )


@transaction.atomic
def invite_staff_in_bulk(*, by, text: str):
    """Invite everyone in a CSV (accounts/invitations.py: COLUMNS), or nobody: every row is
    checked first, addresses included, and every problem is returned with its line and
    column. Returns a BulkResult."""
    from accounts import invitations

    require_permission(by, Permission.STAFF_MANAGE)
    if invitations.is_system_admin(by):
        raise ActionError("Invite service administrators one at a time, from the invite page")
    rows, problems = invitations.read_rows(by=by, text=text)
    named = {(p.line, p.column) for p in problems}
    for row in rows:
        if row.email and (row.line, "email") not in named:
            try:
                _reinvitable_account(by=by, email=row.email)
            except ActionError as error:
                problems.append(invitations.Problem(row.line, "email", error.message))
    if problems:
        order = {c: i for i, c in enumerate(["", *invitations.COLUMNS])}
        problems.sort(key=lambda p: (p.line, order.get(p.column, 99)))
        audit.record_change(
            by=by, verb="invite_staff_in_bulk_refused", rows=len(rows), problems=len(problems)
        )
        return invitations.BulkResult(problems=problems)
    made = []
    row = None
    try:
        with transaction.atomic():
            for row in rows:
                made.append(
                    _invite(
                        by=by,
                        email=row.email,
                        full_name=row.full_name,
                        organisation=row.organisation,
                        role=row.role,
                        job_title=row.job_title,
                    )
                )
    except ActionError as error:
        # Someone invited one of these addresses between the check and now: none of the
        # file's invitations (or their emails) is kept.
        problem = invitations.Problem(row.line, error.field or "", error.message)
        return invitations.BulkResult(problems=[problem])
    audit.record_change(by=by, verb="invite_staff_in_bulk", count=len(made))
    return invitations.BulkResult(invitations=made)


@transaction.atomic
def resend_invitation(*, by, invitation):
    """A new link, emailed, for another LIFETIME; the link sent before stops working."""
    from accounts import invitations
    from accounts.models import Invitation

    invitation = _locked_invitation(by, invitation)
    user = invitation.user
    if invitation.status == Invitation.Status.ACCEPTED or user.has_usable_password():
        raise ActionError(f"{user.full_name} has already accepted: they can sign in")
    if invitation.status == Invitation.Status.CANCELLED:
        raise ActionError("This invitation was cancelled: invite them again instead")
    if not user.is_active:
        raise ActionError(f"{user.full_name}'s account is switched off: switch it on first")
    token, link = _new_set_up_link(user, invitations.LIFETIME)
    now = timezone.now()
    invitation.link = link
    invitation.expires_at = link.expires_at
    invitation.times_sent += 1
    invitation.status_at = now
    invitation.save(update_fields=["link", "expires_at", "times_sent", "status_at"])
    _email_invitation(by, invitation, token)
    audit.record_change(by=by, verb="resend_invitation", obj=user, invitation=str(invitation.pk))
    return invitation


@transaction.atomic
def cancel_invitation(*, by, invitation):
    """The link stops working and the unused account is switched off. Inviting the same
    address again later reuses the account."""
    from accounts.models import Invitation, SetUpLink

    invitation = _locked_invitation(by, invitation)
    user = invitation.user
    if invitation.status != Invitation.Status.PENDING:
        raise ActionError(f"This invitation is already {invitation.get_status_display().lower()}")
    now = timezone.now()
    SetUpLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation.status = Invitation.Status.CANCELLED
    invitation.status_at = now
    invitation.save(update_fields=["status", "status_at"])
    if not user.has_usable_password():
        # Switched off as a leaver is: the time and reason kept, sessions ended, audited.
        _switch_off_account(by, user, now)
    audit.record_change(by=by, verb="cancel_invitation", obj=user, invitation=str(invitation.pk))
    return invitation


def _locked_invitation(by, invitation):
    from accounts import invitations
    from accounts.models import Invitation

    require_permission(by, Permission.STAFF_MANAGE)
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user__organisation__area")
        .get(pk=invitation.pk)
    )
    if not invitations.may_manage(by, invitation.user):
        raise ActionError("You cannot change this invitation")
    return invitation


def _reinvitable_account(*, by, email: str, lock: bool = False):
    """None if nobody has the address; the account, if it was invited before and the
    invitation expired or was cancelled without being accepted; ActionError otherwise. The
    refusal for an account the administrator does not manage names nothing about it."""
    from accounts import invitations
    from accounts.models import Invitation

    rows = User.objects.select_related("organisation__area").filter(email=email)
    user = (rows.select_for_update(of=("self",)) if lock else rows).first()
    if user is None:
        return None
    if not invitations.may_manage(by, user):
        if invitations.is_system_admin(by):
            raise ActionError(f"There is already an account for {email}", field="email")
        raise ActionError(invitations.CANNOT_INVITE, field="email")
    latest = user.invitations.order_by("-invited_at").first()
    if user.has_usable_password() or latest is None or latest.status == Invitation.Status.ACCEPTED:
        raise ActionError(
            f"There is already an account for {email}: find them in the staff list",
            field="email",
        )
    if latest.status == Invitation.Status.PENDING and latest.expires_at > timezone.now():
        raise ActionError(
            f"{email} has already been invited: resend the invitation from the list of "
            "invitations if it was lost",
            field="email",
        )
    return user


def _invite(*, by, email, full_name, organisation, role, job_title):
    from django.db import IntegrityError

    from accounts import invitations
    from accounts.models import Invitation

    user = _reinvitable_account(by=by, email=email, lock=True)
    now = timezone.now()
    if user is None:
        try:
            with transaction.atomic():
                user = create_staff_user(
                    by=by,
                    email=email,
                    full_name=full_name,
                    organisation=organisation,
                    role=role,
                    job_title=job_title,
                    password=None,
                    check_password=False,
                )
        except IntegrityError:
            # Another administrator invited this address at the same moment and theirs
            # committed first (the unique email decides, on every database).
            raise ActionError(
                f"{email} has just been invited by someone else: see the list of invitations",
                field="email",
            ) from None
    else:
        # Invited before and never accepted: this invitation says who they are now.
        Invitation.objects.filter(user=user, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.CANCELLED, status_at=now
        )
        user.full_name, user.organisation, user.role = full_name, organisation, role
        user.job_title, user.is_active = job_title, True
        # A cancelled invitation switched the account off; inviting again switches it on.
        user.switched_off_at, user.switched_off_reason = None, ""
        user.save(
            update_fields=[
                "full_name",
                "organisation",
                "role",
                "job_title",
                "is_active",
                "switched_off_at",
                "switched_off_reason",
            ]
        )
    token, link = _new_set_up_link(user, invitations.LIFETIME)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=by,
        invited_at=link.created_at,
        link=link,
        expires_at=link.expires_at,
        status_at=link.created_at,
    )
    _email_invitation(by, invitation, token)
    audit.record_change(
        by=by,
        verb="invite_staff",
        obj=user,
        invitation=str(invitation.pk),
        role=role,
        organisation=str(organisation.pk),
    )
    return invitation


def _email_invitation(by, invitation, token: str) -> None:
    from accounts.setup_links import link_url
    from notifications.actions import email_staff

    user = invitation.user
    expires = timezone.localtime(invitation.expires_at)
    email_staff(
        by=by,
        users=[user],
        template_code="staff_invitation",
        personalisation={
            "by": by.full_name,
            "role": user.get_role_display().lower(),
            "organisation": user.organisation.name,
            "link": link_url(token),
            "expires": f"{expires:%-d %B %Y} at {expires:%H:%M}",
        },
        # One email per link: a resend is a new link, so a new email.
        reference=f"staff_invitation:{invitation.link_id}",
    )


@transaction.atomic
def accept_invitations(user: User, now) -> None:
    """Waiting invitations are accepted, and their set-up links stop working: called inside
    the transaction that completes set-up or binds single sign-on."""
    from accounts.models import Invitation, SetUpLink

    accepted = Invitation.objects.filter(user=user, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.ACCEPTED, status_at=now
    )
    SetUpLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if accepted:
        audit.record_auth(by=user, verb="accept_invitation")


# The account's lifecycle: change role, switch off a leaver, switch back on, and accounts
# unused for 90 days (accounts/lifecycle.py; docs/go-live.md "When someone leaves").


def _require_may_manage(by, user: User, *, own: str) -> None:
    from accounts import lifecycle

    require_permission(by, Permission.STAFF_MANAGE)
    if by.pk == user.pk:
        raise ActionError(own)
    if not lifecycle.manageable_by(by).filter(pk=user.pk).exists():
        raise ActionError("You cannot change this account")


@transaction.atomic
def change_role(*, by, user: User, role: str, seen_role: str) -> User:
    """Give a person another role their organisation allows. `seen_role` is the role the
    administrator saw: the update only happens if it is still the role, so of two
    administrators changing it at once the second is told, not silently overruled."""
    from accounts import lifecycle
    from core.errors import ConcurrentChange

    _require_may_manage(by, user, own="Ask another administrator to change your own role")
    allowed = ROLES_BY_KIND.get(user.organisation.kind, set())
    if role not in allowed:
        raise ActionError(
            f"Someone in {user.organisation.name} cannot be a {_role_label(role).lower()}",
            field="role",
        )
    if role == seen_role:
        raise ActionError(
            f"{user.full_name} is already a {_role_label(role).lower()}", field="role"
        )
    changed = User.objects.filter(pk=user.pk, role=seen_role).update(role=role)
    if not changed:
        now_is = User.objects.get(pk=user.pk).get_role_display().lower()
        raise ConcurrentChange(
            f"Someone else changed {user.full_name}'s role to {now_is} while you were "
            "looking. Check it and choose again."
        )
    user.role = role
    audit.record_change(
        by=by,
        verb="change_role",
        obj=user,
        old=seen_role,
        new=role,
        open_cases=lifecycle.open_cases_of(user).count(),
    )
    return user


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


@transaction.atomic
def switch_off_account(*, by, user: User) -> bool:
    """A leaver: the account can no longer sign in, every session it has ends at once (on
    each session's next request: accounts/sessions.py), and any set-up link stops working.
    The cases they held stay theirs until a team lead reallocates them (the team page lists
    them). Idempotent: False if it was already switched off (by someone else meanwhile)."""
    _require_may_manage(by, user, own="You cannot switch off your own account")
    return _switch_off_account(by, user, timezone.now())


def _switch_off_account(by, user: User, now) -> bool:
    """An administrator switches the account off (a leaver, or an invitation cancelled):
    False if it was already off."""
    from accounts import lifecycle
    from accounts.models import SwitchedOffReason

    if not _switch_off(User.objects.filter(pk=user.pk), now, SwitchedOffReason.LEFT):
        return False
    user.refresh_from_db()
    audit.record_change(
        by=by,
        verb="switch_off_account",
        obj=user,
        cause=SwitchedOffReason.LEFT,
        open_cases=lifecycle.open_cases_of(user).count(),
    )
    return True


@transaction.atomic
def switch_on_account(*, by, user: User) -> bool:
    """Let a switched-off account sign in again, with its own password and second factor
    (a forgotten password is reset as anyone's is). Sessions from before stay ended, and
    the 90-day clock starts again. Idempotent: False if it was already on."""
    from django.db.models import F

    _require_may_manage(by, user, own="You cannot switch on your own account")
    now = timezone.now()
    changed = User.objects.filter(pk=user.pk, is_active=False).update(
        is_active=True,
        switched_off_at=None,
        switched_off_reason="",
        switched_on_at=now,
        unused_warning_at=None,
        session_generation=F("session_generation") + 1,
    )
    if not changed:
        return False
    user.refresh_from_db()
    audit.record_change(by=by, verb="switch_on_account", obj=user)
    return True


def _switch_off(rows, now, reason) -> int:
    """Switch off the accounts among `rows` that are still on (a conditional update, so that
    two at once switch off once); their sessions end and their set-up links stop working."""
    from django.db.models import F

    from accounts.models import SetUpLink

    ids = list(rows.filter(is_active=True).values_list("pk", flat=True))
    changed = User.objects.filter(pk__in=ids, is_active=True).update(
        is_active=False,
        switched_off_at=now,
        switched_off_reason=reason,
        session_generation=F("session_generation") + 1,
    )
    if changed:
        SetUpLink.objects.filter(
            user_id__in=ids, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
    return changed


# How many accounts one transaction of the 90-day sweep deals with.
UNUSED_BATCH = 200
# Accounts named in one warning email (the rest are counted, and are on the access review).
UNUSED_NAMED = 50


# lint: not-atomic: a sweep: each batch is its own transaction, so one failure undoes no other
def review_unused_accounts(now=None) -> dict:
    """A periodic duty (core/periodic.py): switch off the accounts unused for 90 days whose
    area's administrators were told at least 10 days ago, then tell each area's service
    administrators about its accounts unused for 80 days. Each account dealt with leaves the
    set the sweep walks (core.batches), so every one is reached in one run."""
    from django.db.models import F

    from accounts import lifecycle
    from core.batches import in_batches

    now = now or timezone.now()
    switched_off = 0
    batch: list = []
    for user in in_batches(lifecycle.due_to_switch_off(now).only("pk"), size=UNUSED_BATCH):
        batch.append(user.pk)
        if len(batch) == UNUSED_BATCH:
            switched_off += _switch_off_unused(batch, now)
            batch = []
    if batch:
        switched_off += _switch_off_unused(batch, now)

    warned = 0
    by_area: dict = {}
    due = lifecycle.due_for_warning(now).annotate(area_pk=F("organisation__area_id")).only("pk")
    for user in in_batches(due, size=UNUSED_BATCH):
        ids = by_area.setdefault(user.area_pk, [])
        ids.append(user.pk)
        if len(ids) == UNUSED_BATCH:
            warned += _warn_of_unused(user.area_pk, ids, now)
            by_area[user.area_pk] = []
    for area_id, ids in by_area.items():
        if ids:
            warned += _warn_of_unused(area_id, ids, now)
    return {"warned": warned, "switched_off": switched_off}


@transaction.atomic
def _switch_off_unused(ids, now) -> int:
    from accounts import lifecycle
    from accounts.models import SwitchedOffReason

    # Checked again inside the transaction: someone who signed in since is left alone.
    rows = lifecycle.due_to_switch_off(now).filter(pk__in=ids)
    ids = list(rows.values_list("pk", flat=True))
    changed = _switch_off(User.objects.filter(pk__in=ids), now, SwitchedOffReason.UNUSED)
    for user in User.objects.filter(pk__in=ids, switched_off_at=now):
        audit.record_change(by=None, verb="switch_off_account", obj=user, cause="unused")
    return changed


@transaction.atomic
def _warn_of_unused(area_id, ids, now) -> int:
    from accounts import lifecycle
    from notifications.actions import email_staff
    from organisations.models import Area

    users = list(
        lifecycle.due_for_warning(now)
        .select_for_update(of=("self",))
        .filter(pk__in=ids, organisation__area_id=area_id)
        .select_related("organisation")
        .order_by("full_name", "pk")
    )
    if not users:
        return 0
    User.objects.filter(pk__in=[u.pk for u in users]).update(unused_warning_at=now)
    off_on = timezone.localdate(now + lifecycle.NOTICE)
    first = None
    for user in users:
        event = audit.record_change(
            by=None, verb="warn_unused_account", obj=user, switch_off_on=f"{off_on:%Y-%m-%d}"
        )
        first = first or event
    area = Area.objects.get(pk=area_id)
    admins = User.objects.filter(
        is_active=True, role=Role.SERVICE_ADMIN, organisation__area_id=area_id
    )
    if not admins.exists():
        # An area with no service administrator yet: the installation's operator is told.
        admins = User.objects.filter(is_active=True, role=Role.SYSTEM_ADMIN)
    named = [
        f"* {u.full_name} ({u.email}), {u.get_role_display().lower()}, {u.organisation.name}"
        for u in users[:UNUSED_NAMED]
    ]
    if len(users) > UNUSED_NAMED:
        named.append(f"* and {len(users) - UNUSED_NAMED} more")
    email_staff(
        by=None,
        users=list(admins),
        template_code="unused_accounts_warning",
        personalisation={
            "area": area.name,
            "count": len(users),
            "date": f"{off_on:%-d %B %Y}",
            "accounts": "\n".join(named),
            "link": settings.SITE_URL.rstrip("/") + reverse("administration:access_review"),
        },
        reference=f"unused_accounts_warning:{first.pk}",
    )
    return len(users)
