from django.core.management.base import BaseCommand

from organisations.actions import relocate_organisations


class Command(BaseCommand):
    help = (
        "Locate every organisation's postcode again. Actions keep places up to date when a "
        "postcode is set; run this after `import_postcodes`, so that practices placed at a "
        "district centroid move to their full postcode."
    )

    def handle(self, *args, **options):
        moved = relocate_organisations(by=None)
        self.stdout.write(f"Moved {moved} organisations.")
