"""The one place audit rows are written.

Every change, every read of a person's record and every list of people shown writes a row:
who, what, when, and whom. Rows are sealed into a hash chain after they commit
(`core/audit_chain.py`), so a row changed or removed later shows when the chain is verified:
by the process that wrote them, after its commit, at most once every
AUDIT_SEAL_EVERY_SECONDS (sealing is a transaction of its own, and under load one seal a
second covers every request of that second instead of each paying for its own); whatever
the last requests of a burst leave, the periodic sweep seals within a minute.
"""

from collections.abc import Iterable
from time import monotonic

from django.conf import settings
from django.db import transaction

from core.models import AuditEvent, AuditEventPerson


def record_change(*, by, verb, obj=None, person=None, reason="", **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.CHANGE, by, verb, obj, person, reason, detail)


def record_changes(*changes: dict) -> list[AuditEvent]:
    """Several changes one action makes together, each a dict of `record_change`'s keyword
    arguments, written in one INSERT (a busy write path saves a round trip a row)."""
    events = []
    for change in changes:
        detail = dict(change)
        by, verb = detail.pop("by"), detail.pop("verb")
        obj, person = detail.pop("obj", None), detail.pop("person", None)
        reason = detail.pop("reason", "")
        events.append(_event(AuditEvent.Kind.CHANGE, by, verb, obj, person, reason, detail))
    AuditEvent.objects.bulk_create(events)
    _seal_after_commit()
    return events


def record_view(*, by, verb, obj=None, person=None, reason="", **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.VIEW, by, verb, obj, person, reason, detail)


def record_list_view(*, by, verb, person_ids: Iterable, **detail) -> AuditEvent:
    """A list of people was shown: one row for the list, and one per person on it. In one
    transaction: the row is sealed when it commits, and its seal covers the people on it
    (outside a transaction, as a list page runs, it would be sealed before they are added)."""
    people = list(dict.fromkeys(pid for pid in person_ids if pid is not None))
    if not people:
        # One row and nothing to add to it: its INSERT is a transaction of its own, without
        # the BEGIN and COMMIT around it (an empty caseload, a search that found no one).
        return _write(AuditEvent.Kind.VIEW, by, verb, None, None, "", {**detail, "shown": 0})
    with transaction.atomic():
        event = _write(
            AuditEvent.Kind.VIEW, by, verb, None, None, "", {**detail, "shown": len(people)}
        )
        AuditEventPerson.objects.bulk_create(
            [AuditEventPerson(event=event, person_id=pid) for pid in people]
        )
    return event


def record_auth(*, by, verb, **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.AUTH, by, verb, None, None, "", detail)


def seen_by(person_id):
    """Every audit row about one person: their record read or changed, or them on a list."""
    from django.db.models import Q

    return AuditEvent.objects.filter(
        Q(person_id=person_id) | Q(people__person_id=person_id)
    ).distinct()


def _write(kind, by, verb, obj, person, reason, detail):
    event = _event(kind, by, verb, obj, person, reason, detail)
    event.save(force_insert=True)
    _seal_after_commit()
    return event


def _event(kind, by, verb, obj, person, reason, detail) -> AuditEvent:
    return AuditEvent(
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person.pk if person is not None else None,
        reason=reason,
        detail={k: _jsonable(v) for k, v in detail.items()},
    )


def _seal_after_commit():
    connection = transaction.get_connection()
    # One seal per transaction, however many rows it wrote (a rollback drops the booking).
    if not any(func is _seal for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_seal)


_last_seal = float("-inf")


def _seal():
    global _last_seal
    now = monotonic()
    if now - _last_seal < settings.AUDIT_SEAL_EVERY_SECONDS:
        return
    _last_seal = now
    from core import audit_chain

    audit_chain.seal_pending(wait=False)


def _jsonable(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
