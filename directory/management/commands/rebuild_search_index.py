from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from directory import search_index
from directory.models import Service


class Command(BaseCommand):
    help = (
        "Make the search index (text index and search entries) again from the directory. "
        "Actions keep it up to date; run this after restoring a backup or editing listings "
        "outside linkwork."
    )

    def handle(self, *args, **options):
        total = Service.objects.count()
        with (
            tqdm(total=total, unit="listing", disable=options["verbosity"] == 0) as bar,
            transaction.atomic(),
        ):
            count = search_index.rebuild(progress=bar.update)
        self.stdout.write(f"Indexed {count} listings.")
