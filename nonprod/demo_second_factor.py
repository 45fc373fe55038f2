"""The demo's logins and the second factor: every documented login is a demo account (no
phone needed, LINKWORK_NONPROD only), except one team lead who shows the journey with an
authenticator whose secret is published in the README.

Add the secret to an authenticator app (type it as a setup key, time based), or compute the
current code with `oathtool --totp -b LINKWORKDEMOTEAMLEADTWOSECRETKEY`.
"""

from accounts import actions
from accounts.models import User
from core.permissions import Role
from organisations.models import Organisation

SECOND_FACTOR_LOGIN = "teamlead2"
SECOND_FACTOR_NAME = "Imani Okafor"
# Published in README.md: base32, 20 bytes. A demo secret, for a demo account only.
SECOND_FACTOR_SECRET = "LINKWORKDEMOTEAMLEADTWOSECRETKEY"
SERVICE_NAME = "Northamptonshire Social Prescribing Service"


def set_up(*, email_domain: str, password: str, service_name: str) -> None:
    """Idempotent: also brings a demo loaded before the second factor existed up to date."""
    email = f"{SECOND_FACTOR_LOGIN}@{email_domain}"
    lead = User.objects.filter(email=email).first()
    if lead is None:
        lead = actions.create_staff_user(
            by=None,
            email=email,
            full_name=SECOND_FACTOR_NAME,
            organisation=Organisation.objects.get(name=service_name),
            role=Role.TEAM_LEAD,
            password=password,
            job_title="Team lead (shows the second factor)",
        )
        actions.give_demo_authenticator(by=None, user=lead, secret=SECOND_FACTOR_SECRET)
    others = User.objects.filter(email__endswith=f"@{email_domain}").exclude(pk=lead.pk)
    actions.mark_demo_accounts(by=None, users=list(others.filter(is_demo=False)))
