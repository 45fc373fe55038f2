from django.core.management.base import BaseCommand, CommandError

from accounts.actions import create_administrator, issue_set_up_link
from accounts.models import User
from accounts.setup_links import LIFETIME, link_url
from core.errors import ActionError
from core.permissions import Role
from organisations.models import Area


class Command(BaseCommand):
    help = (
        "Create an administrator and print a one-time set-up link (valid 24 hours) with which "
        "they choose a password. Without --area: a system administrator, who creates areas. "
        "With --area CODE: a service administrator of that area. No password is ever set or "
        "printed here. --new-link gives an existing administrator a fresh link."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="The person's full name")
        parser.add_argument("--area", default="", help="The area's code (ICB ODS or ONS code)")
        parser.add_argument(
            "--new-link",
            action="store_true",
            help="The account exists: replace its set-up link (the old one stops working)",
        )

    def handle(self, *args, email, name, area, new_link, **options):
        target = None
        if area:
            target = Area.objects.filter(code=area.strip().upper(), operator=False).first()
            if target is None:
                raise CommandError(f"There is no area with the code {area}")
        if new_link:
            user = User.objects.find(email)
            if user is None or user.role not in (Role.SYSTEM_ADMIN, Role.SERVICE_ADMIN):
                raise CommandError(f"There is no administrator account for {email}")
            token = issue_set_up_link(by=None, user=user)
        else:
            if not name.strip():
                raise CommandError('Give the person\'s name: --name "Full Name"')
            try:
                user, token = create_administrator(
                    by=None, email=email, full_name=name, area=target
                )
            except ActionError as error:
                raise CommandError(error.message) from None
        hours = int(LIFETIME.total_seconds() // 3600)
        self.stdout.write(
            f"{user.get_role_display()} {user.full_name} <{user.email}> ({user.organisation}).\n"
            f"Give them this link (works once, for {hours} hours) to choose a password:\n\n"
            f"    {link_url(token)}\n"
        )
