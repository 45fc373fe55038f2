"""Inviting staff: who may invite whom, what an invitation's state is, and the bulk CSV.

An administrator invites a person by email: an account is made at once, in the chosen
organisation with the chosen role, with **no usable password**, so nobody can sign in to it
(by password, by a reset link, which is only sent to accounts with a password, or otherwise)
until the person follows the emailed one-time link and chooses one; then they set up their
second factor as everybody does. The link is a set-up link (`accounts/setup_links.py`, ADR
0007: only its hash stored, single use) that lasts `LIFETIME` instead of 24 hours. We chose
an account plus an `Invitation` row over an invitation that makes the account on
acceptance: the address is then taken the moment it is invited (the database's unique email
decides between two administrators inviting one person at once), and the staff list, the
access review and switching off see the person from the start.

Who may invite:
- a service administrator: anyone into an organisation of their own area, with a role that
  organisation's kind allows (`accounts.actions.ROLES_BY_KIND`), never a system
  administrator or a national analyst;
- a system administrator: service administrators, of any area.

An address that already has an account the administrator cannot manage (another area's) is
refused with words that do not say whether, or where, it exists.

The writes are `accounts.actions.invite_staff`, `invite_staff_in_bulk`, `resend_invitation`
and `cancel_invitation`; accepting is `complete_set_up`, as for any set-up link.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone

from accounts.identifiers import normalise_email
from core import csv_safe
from core.permissions import Permission, Role, has_permission
from organisations.models import Organisation

LIFETIME = timedelta(days=7)
# Kinds of organisation a service administrator may invite into, and roles nobody invites
# that way (the system administrator's own, and national analysts, who belong to no area).
INVITABLE_KINDS = (
    Organisation.Kind.GP_PRACTICE,
    Organisation.Kind.LINK_WORKER_SERVICE,
    Organisation.Kind.REFERRING_PARTNER,
    Organisation.Kind.PROVIDER,
    Organisation.Kind.COMMISSIONER,
)
NOT_INVITABLE_ROLES = (Role.SYSTEM_ADMIN, Role.NATIONAL)
CANNOT_INVITE = "This email address cannot be invited; ask the system administrator"

# The bulk CSV: its columns, in the template's order, and its limits.
COLUMNS = ["email", "full name", "organisation", "role", "job title"]
REQUIRED_COLUMNS = ["email", "full name", "organisation", "role"]
MAX_ROWS = 500
MAX_BYTES = 256 * 1024


class Shown:
    """What an invitation looks like in a list: its state now (expiry is not stored)."""

    PENDING = "Waiting"
    EXPIRED = "Expired"
    ACCEPTED = "Accepted"
    CANCELLED = "Cancelled"


def state(invitation, now=None) -> str:
    from accounts.models import Invitation

    now = now or timezone.now()
    if invitation.status == Invitation.Status.ACCEPTED:
        return Shown.ACCEPTED
    if invitation.status == Invitation.Status.CANCELLED:
        return Shown.CANCELLED
    return Shown.PENDING if invitation.expires_at > now else Shown.EXPIRED


def lapsed(user, now=None) -> bool:
    """Invited, never accepted, and the invitation has run out (it shows as expired): the
    administrator decides again (resends it) rather than the person getting in some other
    way. The one rule for both ways in: single sign-on asks it before binding an account
    (accounts/oidc/actions.py); a password is chosen through the invitation's set-up link,
    which expires with the invitation (`expires_at` is the link's) and is refused after it
    (accounts.actions.complete_set_up)."""
    if user.has_usable_password():
        return False
    latest = user.invitations.order_by("-invited_at").first()
    return latest is not None and state(latest, now) == Shown.EXPIRED


def is_system_admin(user) -> bool:
    return user.role == Role.SYSTEM_ADMIN


def may_manage(by, user) -> bool:
    """Whether `by` may invite, resend to or cancel the invitation of this account."""
    if not has_permission(by, Permission.STAFF_MANAGE):
        return False
    if is_system_admin(by):
        return user.role == Role.SERVICE_ADMIN and not user.organisation.area.operator
    return (
        user.organisation.area_id == by.organisation.area_id
        and user.role not in NOT_INVITABLE_ROLES
    )


def invitations_visible_to(user):
    """The invitations an administrator may see and act on; none for anyone else."""
    from accounts.models import Invitation

    rows = Invitation.objects.select_related("user", "user__organisation", "invited_by")
    if not has_permission(user, Permission.STAFF_MANAGE):
        return rows.none()
    if is_system_admin(user):
        return rows.filter(user__role=Role.SERVICE_ADMIN, user__organisation__area__operator=False)
    return rows.filter(user__organisation__area_id=user.organisation.area_id).exclude(
        user__role__in=NOT_INVITABLE_ROLES
    )


def filter_by_state(rows, shown: str, now=None):
    from accounts.models import Invitation

    now = now or timezone.now()
    pending = Q(status=Invitation.Status.PENDING)
    return {
        Shown.PENDING: rows.filter(pending, expires_at__gt=now),
        Shown.EXPIRED: rows.filter(pending, expires_at__lte=now),
        Shown.ACCEPTED: rows.filter(status=Invitation.Status.ACCEPTED),
        Shown.CANCELLED: rows.filter(status=Invitation.Status.CANCELLED),
    }.get(shown, rows)


def organisations_for(by):
    """The organisations a service administrator may invite people into."""
    if is_system_admin(by):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        area_id=by.organisation.area_id, kind__in=INVITABLE_KINDS, active=True
    ).order_by("kind", "name")


def roles_for(by, organisation) -> list[str]:
    """The roles `by` may give someone in `organisation`, in the order Role lists them."""
    from accounts.actions import ROLES_BY_KIND

    if is_system_admin(by):
        allowed = (
            {Role.SERVICE_ADMIN} if organisation.kind == Organisation.Kind.COMMISSIONER else set()
        )
    else:
        allowed = set(ROLES_BY_KIND.get(organisation.kind, set())) - set(NOT_INVITABLE_ROLES)
    return [role for role in Role.values if role in allowed]


def check_invitation(*, by, email: str, full_name: str, organisation, role: str, job_title: str):
    """Everything wrong with inviting this person, as (field, message) pairs, without
    looking at whether the address is taken (the action does that, under a lock)."""
    problems = []
    if not full_name:
        problems.append(("full_name", "Enter the person's full name"))
    elif len(full_name) > 150:
        problems.append(("full_name", "The full name must be 150 characters or fewer"))
    if not email:
        problems.append(("email", "Enter the person's email address"))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                (
                    "email",
                    "Enter an email address in the correct format, like name@example.nhs.uk",
                )
            )
    if len(job_title) > 100:
        problems.append(("job_title", "The job title must be 100 characters or fewer"))
    if organisation is not None:
        if not is_system_admin(by) and (
            organisation.area_id != by.organisation.area_id
            or organisation.kind not in INVITABLE_KINDS
        ):
            problems.append(("organisation", "Choose an organisation in your area"))
        elif not organisation.active:
            problems.append(("organisation", f"{organisation.name} is closed"))
        elif role not in roles_for(by, organisation):
            label = dict(Role.choices).get(role, role) or "that role"
            problems.append(
                (
                    "role",
                    f"{organisation.get_kind_display()} staff cannot be a {label.lower()}: "
                    "choose another role",
                )
            )
    return problems


# Bulk invitations by CSV


@dataclass
class Problem:
    line: int
    column: str
    message: str


@dataclass
class Row:
    line: int
    email: str
    full_name: str
    organisation: Organisation | None
    role: str
    job_title: str


@dataclass
class BulkResult:
    problems: list[Problem] = field(default_factory=list)
    invitations: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def template_csv() -> str:
    return csv_safe.text(
        [
            COLUMNS,
            ["jo.bloggs@example.nhs.net", "Jo Bloggs", "Northampton Connect", "Link worker", ""],
            ["a.patel@example.nhs.net", "Dr Asha Patel", "K83001", "Referrer", "GP partner"],
        ]
    )


def _role_from(text: str) -> str:
    folded = " ".join(text.replace("_", " ").split()).casefold()
    for value, label in Role.choices:
        if folded in (value.replace("_", " "), label.casefold()):
            return value
    return ""


def read_rows(*, by, text: str) -> tuple[list[Row], list[Problem]]:
    """The CSV's rows, each with its organisation and role looked up in the administrator's
    area, and every problem found, each with its line and column."""
    problems: list[Problem] = []
    try:
        reader = csv_safe.dict_reader(text, max_rows=MAX_ROWS)
        header = reader.fieldnames or []
        names = {(name or "").strip().casefold(): name for name in header}
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            return [], [
                Problem(1, c, f"There is no “{c}” column: start from the template") for c in missing
            ]
        raw = [
            (reader.line_num, {c: (row.get(names[c]) or "").strip() for c in COLUMNS if c in names})
            for row in reader
        ]
    except csv_safe.CsvRefused as refused:
        return [], [Problem(refused.line, "", refused.message)]
    if not raw:
        return [], [Problem(2, "", "The file has no rows below the header")]

    organisations = list(organisations_for(by))
    by_code = {o.ods_code.upper(): o for o in organisations if o.ods_code}
    by_name: dict[str, list[Organisation]] = {}
    for o in organisations:
        by_name.setdefault(o.name.casefold(), []).append(o)

    rows, first_line_of = [], {}
    for line, values in raw:
        email = normalise_email(values.get("email", ""))
        organisation_text = values.get("organisation", "")
        role_text = values.get("role", "")
        organisation = None
        if not organisation_text:
            problems.append(
                Problem(line, "organisation", "Enter the organisation's ODS code or name")
            )
        else:
            organisation = by_code.get(organisation_text.upper())
            named = by_name.get(organisation_text.casefold(), [])
            if organisation is None and len(named) == 1:
                organisation = named[0]
            elif organisation is None and len(named) > 1:
                problems.append(
                    Problem(
                        line,
                        "organisation",
                        f"More than one organisation is called “{organisation_text}”: "
                        "use its ODS code",
                    )
                )
            elif organisation is None:
                problems.append(
                    Problem(
                        line,
                        "organisation",
                        f"No open organisation in your area has the ODS code or name "
                        f"“{organisation_text}”",
                    )
                )
        role = _role_from(role_text)
        if not role_text:
            problems.append(Problem(line, "role", "Enter the role"))
        elif not role:
            problems.append(
                Problem(line, "role", f"“{role_text}” is not a role: use one from the template")
            )
        full_name = " ".join(values.get("full name", "").split())
        job_title = " ".join(values.get("job title", "").split())
        for column, message in check_invitation(
            by=by,
            email=email,
            full_name=full_name,
            organisation=organisation,
            role=role,
            job_title=job_title,
        ):
            if column == "role" and not role:
                continue  # already named above
            problems.append(Problem(line, column.replace("_", " "), message))
        if email and email in first_line_of:
            problems.append(
                Problem(line, "email", f"{email} is also on line {first_line_of[email]}")
            )
        first_line_of.setdefault(email, line)
        rows.append(Row(line, email, full_name, organisation, role, job_title))
    return rows, problems
