from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.models import User
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
    if User.objects.filter(email__iexact=email).exists():
        raise ActionError(f"There is already an account for {email}", field="email")
    user = User(
        email=email.lower(),
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
