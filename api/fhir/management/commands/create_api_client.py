from django.core.management.base import BaseCommand, CommandError

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from core.errors import ActionError
from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Create an API client for a referring organisation's system and print its bearer "
        "token once (only a hash is kept: if it is lost, revoke it and create another)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ods_code", help="The organisation's ODS code, e.g. K00001")
        parser.add_argument("--name", default="GP system", help="What the client is")
        parser.add_argument(
            "--scope",
            action="append",
            choices=Scope.values,
            help="Repeat for several (default: both)",
        )

    def handle(self, *args, ods_code, name, scope, **options):
        organisation = Organisation.objects.filter(ods_code=ods_code.upper()).first()
        if organisation is None:
            raise CommandError(f"No organisation with ODS code {ods_code!r}")
        try:
            client, token = create_api_client(
                by=None, organisation=organisation, name=name, scopes=scope or Scope.values
            )
        except ActionError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"API client {client.pk} for {organisation} ({', '.join(client.scopes)})")
        self.stdout.write("Its token (shown once, keep it secret):")
        self.stdout.write(token)
