import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from nonprod import demo, demo_administration, demo_second_factor
from organisations.models import Organisation


class Command(BaseCommand):
    help = "Load the fictional Northamptonshire-like demo county (never for production)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=150, help="How many people to refer")
        parser.add_argument(
            "--activities", type=int, default=300, help="How many community activities"
        )
        parser.add_argument(
            "--history",
            type=int,
            default=2400,
            help="How many past referrals to generate for the figures (0 for none)",
        )
        parser.add_argument(
            "--oidc-port",
            type=int,
            default=int(os.environ.get("OIDC_PORT") or demo_administration.DEFAULT_OIDC_PORT),
            help="The fake OpenID provider's port, for the area's single sign-on "
            "(default: OIDC_PORT, which make demo sets)",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only the logins")

    def handle(self, *args, people, activities, history, oidc_port, quiet, **options):
        def progress(message):
            if not quiet:
                self.stdout.write(message)

        if demo.demo_loaded():
            progress("Demo data already loaded (delete db.sqlite3 and run again to start afresh).")
            # Single sign-on follows this run's OIDC_PORT; a demo loaded before the
            # administrators existed gains them.
            demo.set_up_administration(
                Organisation.objects.get(name=demo_second_factor.SERVICE_NAME),
                oidc_port=oidc_port,
            )
            # A demo loaded before the second factor existed: its logins become demo accounts.
            demo_second_factor.set_up(
                email_domain=demo.EMAIL_DOMAIN,
                password=demo.PASSWORD,
                service_name=demo_second_factor.SERVICE_NAME,
            )
        else:
            started = time.monotonic()
            demo.load(
                people=people,
                activities=activities,
                history=history,
                oidc_port=oidc_port,
                progress=progress,
            )
            progress(f"Demo county loaded in {time.monotonic() - started:.1f} s.")
        self.stdout.write(f"\nDemo logins (password for every account: {demo.PASSWORD}):")
        for login in demo.logins():
            self.stdout.write(f"  {login.email:<36} {login.role:<22} {login.organisation}")
        self.stdout.write(
            "\nEvery login above skips the second factor (demo accounts) except "
            f"{demo_second_factor.SECOND_FACTOR_LOGIN}@{demo.EMAIL_DOMAIN}: add the key "
            f"{demo_second_factor.SECOND_FACTOR_SECRET} to an authenticator app, or run "
            f"`oathtool --totp -b {demo_second_factor.SECOND_FACTOR_SECRET}`."
        )
        sso = demo_administration
        self.stdout.write(
            f'\nSingle sign-on: the sign-in page\'s "Sign in with {sso.SSO_NAME}" goes to a '
            f"fake NHS CIS2 at {sso.oidc_issuer(oidc_port)} (make demo runs it: "
            f"manage.py fake_oidc_provider), which signs in "
            f"{sso.SSO_LOGIN}@{demo.EMAIL_DOMAIN} at once."
            f"\nAdministration: {sso.SERVICE_ADMIN[0]}@{demo.EMAIL_DOMAIN} sees the area's staff, "
            "invitations (waiting and expired), a switched-off leaver and the access review; "
            f"{sso.SYSTEM_ADMIN[0]}@{demo.EMAIL_DOMAIN} sees the areas."
        )
        self.stdout.write(
            f"\nFHIR API token for Abington Park Surgery (Y90001): {demo.DEMO_API_TOKEN}"
            f"\n  (try docs/api/fhir.md; the API is at {settings.SITE_URL}/api/fhir/)"
        )
