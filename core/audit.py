"""The one place audit rows are written."""

from core.models import AuditEvent


def record_change(*, by, verb, obj=None, person=None, reason="", **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.CHANGE, by, verb, obj, person, reason, detail)


def record_view(*, by, verb, obj=None, person=None, reason="", **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.VIEW, by, verb, obj, person, reason, detail)


def record_auth(*, by, verb, **detail) -> AuditEvent:
    return _write(AuditEvent.Kind.AUTH, by, verb, None, None, "", detail)


def _write(kind, by, verb, obj, person, reason, detail):
    return AuditEvent.objects.create(
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person.pk if person is not None else None,
        reason=reason,
        detail={k: _jsonable(v) for k, v in detail.items()},
    )


def _jsonable(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
