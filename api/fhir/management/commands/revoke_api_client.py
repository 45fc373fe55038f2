from django.core.management.base import BaseCommand, CommandError

from api.fhir.actions import revoke_api_client
from api.fhir.models import ApiClient


class Command(BaseCommand):
    help = "Revoke an API client: its token stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("client_id", help="The client's id, as printed when it was created")

    def handle(self, *args, client_id, **options):
        client = ApiClient.objects.filter(pk=client_id).first() if len(client_id) >= 32 else None
        if client is None:
            raise CommandError(f"No API client {client_id!r}")
        revoke_api_client(by=None, client=client)
        self.stdout.write(f"Revoked {client}.")
