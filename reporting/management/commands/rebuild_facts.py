"""Rebuild the reporting facts and the England roll-up from the case records."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from reporting import refresh


class Command(BaseCommand):
    help = (
        "Rebuild every reporting fact from the case records (or, with --changes, only what "
        "changed since the last refresh). The worker does both on its own schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--changes", action="store_true", help="Only referrals changed since the last run"
        )

    def handle(self, *args, changes: bool, **options):
        bar = tqdm(unit=" referrals", desc="facts", disable=options["verbosity"] == 0)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        result = (refresh.refresh if changes else refresh.rebuild_all)(progress=progress)
        bar.close()
        self.stdout.write(
            f"Facts for {result['referrals']:,} referrals; {result['cells']:,} roll-up cells; "
            f"caseloads of {result['link_workers']:,} link workers."
        )
