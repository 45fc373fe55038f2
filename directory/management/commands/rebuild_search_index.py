from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from core.batches import pages
from directory import search_index, word_stats
from directory.models import Service

# Any constant: the PostgreSQL advisory lock that lets one `--if-outdated` run at a time.
OUTDATED_LOCK = 1_160_013


class Command(BaseCommand):
    help = (
        "Make the search index (text index, search entries, word statistics) again from the "
        "directory. Actions keep it up to date; run this after restoring a backup or editing "
        "listings outside linkwork. With --if-outdated (run at each deploy, after migrate), "
        "only when the stored documents were made by another version of the index builder, "
        "and without emptying the index first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-outdated",
            action="store_true",
            help=(
                "Only if the stored index version differs from the code's: make every "
                "listing's documents again, a batch at a time, while search goes on from "
                "the old ones; otherwise do nothing."
            ),
        )

    def handle(self, *args, **options):
        quiet = options["verbosity"] == 0
        if options["if_outdated"]:
            self._if_outdated(quiet)
            return
        total = Service.objects.count()
        with (
            tqdm(total=total, unit="listing", disable=quiet) as bar,
            transaction.atomic(),
        ):
            count = search_index.rebuild(progress=bar.update)
            word_stats.set_version()
        self.stdout.write(f"Indexed {count} listings.")

    def _if_outdated(self, quiet: bool) -> None:
        stored = word_stats.stored_version()
        if stored == word_stats.INDEX_VERSION:
            self.stdout.write(
                f"The search index is up to date (version {word_stats.INDEX_VERSION})."
            )
            return
        if not _one_at_a_time():
            # Every process migrating at start (docs/operations.md) would refresh the same
            # listings at once; one does it, the others start on the old documents.
            self.stdout.write("Another process is bringing the search index up to date.")
            return
        try:
            total = Service.objects.count()
            count = 0
            with tqdm(total=total, unit="listing", disable=quiet) as bar:
                # A transaction per batch: listing edits wait for one batch at most, and
                # search reads old and new documents side by side meanwhile.
                for page in pages(Service.objects.only("id"), size=search_index.BATCH):
                    with transaction.atomic():
                        search_index.refresh([s.id for s in page])
                    count += len(page)
                    bar.update(len(page))
            word_stats.set_version()
        finally:
            _release()
        self.stdout.write(
            f"Indexed {count} listings again (index version {stored} -> "
            f"{word_stats.INDEX_VERSION})."
        )


def _one_at_a_time() -> bool:
    """Take the advisory lock on PostgreSQL. SQLite takes one writer at a time anyway
    (IMMEDIATE transactions), so two runs there only repeat each other's batches."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [OUTDATED_LOCK])
        return cursor.fetchone()[0]


def _release() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [OUTDATED_LOCK])
