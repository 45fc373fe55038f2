"""The audit trail as a hash chain: each sealed row carries a hash of its own content and of
the row before it, so changing, removing or reordering a sealed row breaks every hash after
it, and `manage.py verify_audit_chain` finds where.

Rows are written unsealed inside the transaction that made them (so the audit row commits or
rolls back with the change), then sealed in commit order by `seal_pending`, which runs after
each commit and in the periodic sweep. The head row serialises sealing. Anyone who can
rewrite the whole table can recompute the chain: record the head printed by
`verify_audit_chain` somewhere else (the operations runbook says where) to anchor it.

The retention duty (`retention/`) removes the oldest rows once they are older than the audit
trail's period: always a whole prefix of the chain, in sealed order, and each cut writes a
row (`PRUNED`) that names the last row removed and its hash. That row is itself sealed into
the chain, so the chain still verifies from the first kept row, and a row removed or changed
anywhere else, or a cut without its record, still shows.
"""

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from core.models import AuditChainHead, AuditEvent, AuditEventPerson

logger = logging.getLogger(__name__)

BATCH = 1000
GENESIS = "0" * 64
# The verb of the row the retention duty writes when it removes the start of the chain.
PRUNED = "prune_audit_trail"


def content_hash(event: AuditEvent, person_ids: list, previous: str) -> str:
    content = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": str(event.actor_id) if event.actor_id is not None else None,
        "kind": event.kind,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person": str(event.person_id) if event.person_id else None,
        "people": sorted(str(pid) for pid in person_ids),
        "reason": event.reason,
        "detail": event.detail,
        "previous": previous,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal_pending(*, wait: bool = True) -> int:
    """Seal every committed unsealed row, oldest first. With wait=False a sealer that finds
    another at work leaves the rows to it (or to the next one) instead of queueing."""
    sealed = 0
    try:
        while True:
            done = _seal_batch(wait=wait)
            sealed += done
            if done < BATCH:
                return sealed
    except DatabaseError:
        if wait:
            raise
        # After a commit the user's work is done: a failed seal is retried by the sweep.
        logger.exception("Sealing the audit trail failed; the periodic sweep will retry")
        return sealed


@transaction.atomic
def _seal_batch(*, wait: bool) -> int:
    head = _lock_head(wait=wait)
    if head is None:  # another sealer holds the head
        return 0
    pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:BATCH])
    if not pending:
        return 0
    people = defaultdict(list)
    for event_id, person_id in AuditEventPerson.objects.filter(
        event_id__in=[event.pk for event in pending]
    ).values_list("event_id", "person_id"):
        people[event_id].append(person_id)
    for event in pending:
        head.seq += 1
        event.seq = head.seq
        event.chain_hash = content_hash(event, people[event.pk], head.chain_hash)
        head.chain_hash = event.chain_hash
    # One statement sent many times (psycopg pipelines it): bulk_update's CASE expression
    # cost more to build in Python than the whole request whose rows it seals.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(AuditEvent._meta.db_table)} SET {quote('seq')} = %s, "
            f"{quote('chain_hash')} = %s WHERE {quote('id')} = %s",
            [(event.seq, event.chain_hash, event.pk) for event in pending],
        )
    head.save(update_fields=["seq", "chain_hash"])
    return len(pending)


def _lock_head(*, wait: bool) -> AuditChainHead | None:
    """The chain's head, locked for this transaction; None if another sealer holds it (and
    `wait` is False). Made on the first seal ever."""
    heads = AuditChainHead.objects.select_for_update(skip_locked=not wait).filter(id=1)
    head = heads.first()
    if head is None and not AuditChainHead.objects.filter(id=1).exists():
        AuditChainHead.objects.get_or_create(id=1)
        head = heads.first()
    return head


@dataclass
class Verification:
    checked: int
    unsealed: int
    broken_at: int | None = None
    problem: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS
    first_seq: int = 1  # after pruning, the first row kept

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def chain_start() -> tuple[int, str]:
    """Where the kept chain starts, and the hash it continues from: row 1 and the genesis
    hash, or, once the retention duty has cut the start off, the row after the cut and the
    hash of the last row removed, as the sealed record of that cut says."""
    first = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if first is None or first == 1:
        return 1, GENESIS
    cut = (
        AuditEvent.objects.filter(verb=PRUNED, detail__through_seq=first - 1)
        # Only a record written after the cut counts (it cannot be among the rows it removed).
        .exclude(seq__lt=first)
        .values_list("detail", flat=True)
        .first()
    )
    if cut is None:
        return 1, GENESIS  # no record of a cut: rows 1 to first - 1 are simply missing
    return first, cut.get("through_hash", "")


def verify(progress=None) -> Verification:
    """Walk the chain from its start (row 1, or the first row kept after pruning) and
    recompute every hash."""
    head = AuditChainHead.objects.filter(id=1).first() or AuditChainHead(id=1)
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    first, previous = chain_start()
    expected_seq, checked = first, 0
    rows = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .prefetch_related("people")
        .iterator(chunk_size=2000)
    )
    for event in rows:
        if event.seq != expected_seq:
            return Verification(
                checked,
                unsealed,
                expected_seq,
                f"row {expected_seq} is missing (next is {event.seq})",
                head.seq,
                head.chain_hash,
                first,
            )
        wanted = content_hash(event, [p.person_id for p in event.people.all()], previous)
        if wanted != event.chain_hash:
            return Verification(
                checked,
                unsealed,
                event.seq,
                f"row {event.seq} (audit id {event.pk}) was changed after it was sealed",
                head.seq,
                head.chain_hash,
                first,
            )
        previous, expected_seq, checked = event.chain_hash, expected_seq + 1, checked + 1
        if progress:
            progress(1)
    last = expected_seq - 1
    if head.seq != last or head.chain_hash != previous:
        return Verification(
            checked,
            unsealed,
            last + 1,
            f"the chain ends at row {last} but its head says {head.seq}: rows were removed",
            head.seq,
            head.chain_hash,
            first,
        )
    return Verification(checked, unsealed, None, "", head.seq, head.chain_hash, first)
