"""The demo's administration and single sign-on, made through the same actions as the pages:
a system administrator and the demo area's service administrator (documented logins), some
invitations waiting or expired, a link worker who has left (switched off, with cases to
reallocate), and the area's single sign-on pointed at the fake OpenID provider that
`make demo` runs (`manage.py fake_oidc_provider`).

Idempotent: `load_demo` calls it again on a demo loaded before, which then gains what it
lacks, and single sign-on follows the port this run was given (OIDC_PORT).
"""

from datetime import timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.actions import (
    complete_set_up,
    create_administrator,
    create_staff_user,
    invite_staff,
    switch_off_account,
)
from accounts.models import User
from accounts.oidc.actions import configure_single_sign_on
from core.permissions import Role
from organisations.models import Organisation
from referrals.actions import allocate_referral
from referrals.models import Referral
from referrals.states import Status

SYSTEM_ADMIN = ("sysadmin", "Morgan Blake")
SERVICE_ADMIN = ("serviceadmin", "Ruth Adeyemi")
# Invited people are not logins (they have no password until they accept), so their
# addresses are outside the logins' domain. (full name, role, where, days ago invited)
INVITED_DOMAIN = "invited.demo.linkwork.test"
INVITED = [
    ("Zoe Carter", Role.LINK_WORKER, "service", 2),
    ("Dr Leah Morris", Role.REFERRER, "Abington Park Surgery", 1),
    ("Tom Ashby", Role.LINK_WORKER, "service", 9),  # a week has passed: expired
]
# A link worker who has left: switched off, still holding cases for the team lead to
# reallocate. Like the history's extra staff, not a documented login.
LEAVER = ("beth.walker", "Beth Walker")
LEAVER_CASES = 2

# Single sign-on against the fake provider (accounts/oidc/fake_provider.py). The Makefile
# starts `fake_oidc_provider` with this client ID and gives linkwork the secret in
# LINKWORK_OIDC_SECRET_<area code>; tests/the loader read OIDC_PORT (default below).
DEFAULT_OIDC_PORT = 6021
SSO_NAME = "NHS CIS2 (demo)"
SSO_CLIENT_ID = "linkwork-demo"
SSO_CLIENT_SECRET = "linkwork-demo-oidc-secret"
# Whom `make demo`'s fake provider signs in (any demo link worker would do).
SSO_LOGIN = "linkworker1"


def oidc_issuer(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@transaction.atomic
def set_up(*, area, service, team_lead, email_domain: str, password: str, oidc_port: int) -> None:
    sysadmin = _administrator(SYSTEM_ADMIN, None, email_domain, password, by=None)
    admin = User.objects.filter(email=f"{SERVICE_ADMIN[0]}@{email_domain}").first()
    if admin is None:
        admin = _administrator(SERVICE_ADMIN, area, email_domain, password, by=sysadmin)
        _invitations(admin, service)
    _leaver(admin, service, team_lead, email_domain, password)
    configure_single_sign_on(
        by=admin,
        area=area,
        name=SSO_NAME,
        issuer=oidc_issuer(oidc_port),
        client_id=SSO_CLIENT_ID,
        scopes="openid profile email",
        # The fake says amr=mfa, as CIS2 shows its own second factor: that counts here.
        mfa_evidence="amr=mfa",
    )


def _administrator(who, area, email_domain, password, *, by) -> User:
    local, name = who
    email = f"{local}@{email_domain}"
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    # As `create_admin` and the area page do: a set-up link, followed at once here.
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        _, token = create_administrator(by=by, email=email, full_name=name, area=area)
        return complete_set_up(token=token, password=password)


def _invitations(admin, service) -> None:
    now = timezone.now()
    for full_name, role, where, days_ago in INVITED:
        organisation = (
            service
            if where == "service"
            else Organisation.objects.get(area=admin.organisation.area, name=where)
        )
        email = full_name.removeprefix("Dr ").lower().replace(" ", ".") + f"@{INVITED_DOMAIN}"
        with time_machine.travel(now - timedelta(days=days_ago, hours=3), tick=False):
            invite_staff(
                by=admin,
                email=email,
                full_name=full_name,
                organisation=organisation,
                role=role,
                job_title="GP" if role == Role.REFERRER else "Link worker",
            )


def _leaver(admin, service, team_lead, email_domain, password) -> None:
    local, name = LEAVER
    email = f"{local}@team.{email_domain}"
    if User.objects.filter(email=email).exists():
        return
    leaver = create_staff_user(
        by=None,
        email=email,
        full_name=name,
        organisation=service,
        role=Role.LINK_WORKER,
        password=password,
        job_title="Link worker",
    )
    # Her last cases, handed to her before she left, wait for the team lead to reallocate.
    cases = Referral.objects.filter(service=service, status=Status.ACTIVE).order_by("received_at")
    for referral in cases[:LEAVER_CASES]:
        allocate_referral(by=team_lead, referral=referral, version=referral.version, worker=leaver)
    switch_off_account(by=admin, user=leaver)
