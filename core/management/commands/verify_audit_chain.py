from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import audit_chain
from core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Seal any audit rows still waiting, then recompute the audit trail's hash chain from "
        "the first row and say whether any sealed row was changed or removed. Prints the "
        "chain's head: keep it somewhere else to prove later that nothing was rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="Only check; leave unsealed rows for the sweep (e.g. on a read replica).",
        )

    def handle(self, *args, no_seal=False, **options):
        if not no_seal:
            audit_chain.seal_pending()
        total = AuditEvent.objects.filter(seq__isnull=False).count()
        with tqdm(
            total=total, unit=" rows", desc="audit chain", disable=options["verbosity"] == 0
        ) as bar:
            result = audit_chain.verify(progress=bar.update)
        if not result.ok:
            raise CommandError(
                f"The audit trail has been tampered with: {result.problem}. "
                f"{result.checked} rows before it are intact."
            )
        self.stdout.write(
            f"Audit chain intact: {result.checked} rows, head {result.head_seq} "
            f"{result.head_hash}"
            # After the retention duty has removed the oldest rows (docs/retention.md).
            + (f"; kept from row {result.first_seq}" if result.first_seq > 1 else "")
            + (f"; {result.unsealed} not yet sealed" if result.unsealed else "")
        )
