"""The erasures the retention duty makes (`retention/duty.py`). Each runs in its own
transaction with the audit row that records it: what kind of thing, how many, under which
rule, never whose. The duty calls them a batch at a time."""

from collections import Counter
from datetime import date, datetime

from django.db import models, transaction

from core import audit, audit_chain
from core.models import AuditChainHead, AuditEvent, AuditEventPerson
from referrals.models import Person, Referral
from reporting.figures import apply_change, contributions
from reporting.models import RefreshState
from retention.queries import care_ended, due_people, still_a_child


@transaction.atomic
def prune_rows(*, by, kind: str, model: type[models.Model], pks: list, rule: str) -> int:
    """Delete these rows of a housekeeping table (sessions, spent links, finished tasks)."""
    _, deleted = model._base_manager.filter(pk__in=pks).delete()
    count = deleted.get(model._meta.label, 0)
    if count:
        audit.record_change(by=by, verb="apply_retention", kind=kind, rows=count, rule=rule)
    return count


@transaction.atomic
def erase_closed_records(
    *, by, person_ids: list, closed_before: datetime, today: date
) -> dict[str, int]:
    """Erase these people and everything about them, if they are still due once locked
    (nothing reopened since they were chosen), taking their referrals out of the Figures.

    The Figures roll-up moves by exactly what these referrals' facts added (every figure
    is a sum), so it stays what a rebuild from the records now held would give."""
    # One at a time with the Figures refresh, which reads the facts being taken away.
    RefreshState.objects.select_for_update().filter(name="facts").first()
    locked = list(
        due_people(closed_before)
        .filter(pk__in=person_ids)
        .select_for_update()
        .values_list("pk", "date_of_birth")
    )
    ended = care_ended([pk for pk, _ in locked])
    ids = [pk for pk, born in locked if not still_a_child(born, ended.get(pk), today)]
    if not ids:
        return {"people": 0, "referrals": 0}
    referral_ids = list(
        Referral.objects.filter(person_id__in=ids).order_by("pk").values_list("pk", flat=True)
    )
    cells = apply_change(contributions(referral_ids), {}) if referral_ids else 0
    erased: Counter = Counter()
    _erase(Person, Person.objects.filter(pk__in=ids), erased)
    audit.record_change(
        by=by,
        verb="erase_closed_records",
        people=len(ids),
        referrals=len(referral_ids),
        rows=sorted(erased.items()),  # [[table, rows], …]
        figures_cells_rewritten=cells,
        closed_before=closed_before.date().isoformat(),
    )
    return {"people": len(ids), "referrals": len(referral_ids)}


def _erase(model, rows: models.QuerySet, erased: Counter, path: tuple = ()) -> None:
    """Delete `rows` and, first, every row that points at them, however deep: whatever is
    added to a person's record later (a new table with a key to a referral) goes with it.
    A row of the same table outside the set that points in (a possible duplicate) is let go
    instead; a key that says SET_NULL is emptied."""
    doomed = rows.values("pk")
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue  # many-to-many: through their through table's key, below
        child, key = relation.related_model, relation.field.name
        pointing = child._base_manager.filter(**{f"{key}__in": doomed})
        if child is model:
            pointing.exclude(pk__in=doomed).update(**{key: None})
        elif relation.on_delete is models.SET_NULL:
            pointing.update(**{key: None})
        elif child in path:
            raise RuntimeError(f"{child._meta.label} and {model._meta.label} point at each other")
        else:
            _erase(child, pointing, erased, (*path, model))
    count = rows._raw_delete(rows.db)
    if count:
        erased[model._meta.label] += count


@transaction.atomic
def prune_audit_trail(*, by, through_seq: int) -> int:
    """Remove the audit trail's rows up to and including `through_seq` (the oldest, in
    sealed order) and record the cut in the chain: the last row removed and its hash, so
    the chain verifies from the first row kept (core/audit_chain.py)."""
    # Sealing waits while the cut is made.
    AuditChainHead.objects.select_for_update().filter(id=1).first()
    last = AuditEvent.objects.filter(seq=through_seq).values_list("chain_hash", flat=True).first()
    if last is None:
        return 0
    people = AuditEventPerson.objects.filter(event__seq__lte=through_seq)
    people_rows = people._raw_delete(people.db)
    rows = AuditEvent.objects.filter(seq__lte=through_seq)
    count = rows._raw_delete(rows.db)
    audit.record_change(
        by=by,
        verb=audit_chain.PRUNED,
        through_seq=through_seq,
        through_hash=last,
        rows=count,
        people_rows=people_rows,
    )
    return count
