"""Run the fake OpenID provider (accounts/oidc/fake_provider.py) for the demo or a trial.

    LINKWORK_NONPROD=1 .venv/bin/python manage.py fake_oidc_provider --port 6013 \
        --email linkworker@demo.linkwork.test

It signs in whoever --email names (with amr=mfa) as soon as linkwork sends them there.
Point an area's single sign-on at the issuer it prints, with the client ID it prints, and
set LINKWORK_OIDC_SECRET_<AREA CODE> to its secret. Never in production: linkwork trusts a
provider on 127.0.0.1 only when LINKWORK_NONPROD is on.

--client-jwks-uri registers linkwork for private_key_jwt instead (the area's JWKS URL, shown
on its single sign-on page; the secret then no longer works). --back-channel-logout-uri
registers the area's back-channel logout URI; then `curl -X POST <issuer>/fake/logout` signs
out the last person who signed in (or `-d sub=…` / `-d sid=…`), and linkwork ends their
sessions. --roles-at ODS gives the person a national RBAC role at that organisation.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.oidc.fake_provider import FakeIdentityProvider


class Command(BaseCommand):
    help = "Run a fake OpenID Connect provider on 127.0.0.1 (demo and trials only)"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=6013)
        parser.add_argument("--email", required=True, help="who it signs in")
        parser.add_argument("--subject", default="demo-subject-1")
        parser.add_argument("--client-id", default="linkwork-demo")
        parser.add_argument("--client-secret", default="demo-secret")
        parser.add_argument("--client-jwks-uri", default="", help="use private_key_jwt")
        parser.add_argument("--back-channel-logout-uri", default="")
        parser.add_argument("--roles-at", default="", help="an ODS code: a role there")

    def handle(self, *args, **options):
        if not settings.LINKWORK_NONPROD:
            raise CommandError("The fake provider runs only with LINKWORK_NONPROD=1")
        fake = FakeIdentityProvider(
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            port=options["port"],
            back_channel_logout_uri=options["back_channel_logout_uri"],
        )
        if options["client_jwks_uri"]:
            fake.use_private_key_jwt(jwks_uri=options["client_jwks_uri"])
        claims = {"sub": options["subject"], "email": options["email"], "amr": ["mfa"]}
        if options["roles_at"]:
            claims["nhsid_nrbac_roles"] = [
                {
                    "person_orgid": "555000000001",
                    "person_roleid": "555000000002",
                    "org_code": options["roles_at"].upper(),
                    "role_name": '"Admin & Clerical":"Admin":"Social Prescribing Link Worker"',
                    "role_code": "S8000:G8000:R8000",
                }
            ]
        fake.sign_in_as(**claims)
        fake.start()
        how = (
            f"private_key_jwt with the keys at {options['client_jwks_uri']}"
            if options["client_jwks_uri"]
            else f"secret {fake.client_secret}"
        )
        self.stdout.write(
            f"Fake OpenID provider: issuer {fake.issuer}, client ID {fake.client_id}, "
            f"{how}; signs in {options['email']}. Ctrl-C to stop."
        )
        if options["back_channel_logout_uri"]:
            self.stdout.write(
                f"Sign them out by back channel: curl -X POST {fake.issuer}/fake/logout"
            )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()
