"""Run the fake OpenID provider (accounts/oidc/fake_provider.py) for the demo or a trial.

    LINKWORK_NONPROD=1 .venv/bin/python manage.py fake_oidc_provider --port 6013 \
        --email linkworker@demo.linkwork.test

It signs in whoever --email names (with amr=mfa) as soon as linkwork sends them there.
Point an area's single sign-on at the issuer it prints, with the client ID it prints, and
set LINKWORK_OIDC_SECRET_<AREA CODE> to its secret. Never in production: linkwork trusts a
provider on 127.0.0.1 only when LINKWORK_NONPROD is on.
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

    def handle(self, *args, **options):
        if not settings.LINKWORK_NONPROD:
            raise CommandError("The fake provider runs only with LINKWORK_NONPROD=1")
        fake = FakeIdentityProvider(
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            port=options["port"],
        )
        fake.sign_in_as(sub=options["subject"], email=options["email"], amr=["mfa"])
        fake.start()
        self.stdout.write(
            f"Fake OpenID provider: issuer {fake.issuer}, client ID {fake.client_id}, "
            f"secret {fake.client_secret}; signs in {options['email']}. Ctrl-C to stop."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()
