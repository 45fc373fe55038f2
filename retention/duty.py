"""The retention duty: once a day (core/periodic.py) it applies docs/retention.md.

Each part walks every row that is due by primary key, a batch at a time (core.batches), and
hands each batch to an action in `retention.actions` that deletes it and audits the count
in one transaction: a run reaches every due row however many there are, rows it deletes
leave the set without shifting the pages, and a run stopped halfway leaves nothing half
done. Safe to run twice: it only acts on what is still due."""

from collections.abc import Iterator
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import SetUpLink
from core import audit_chain
from core.batches import in_batches
from core.models import AuditEvent, WorkerHeartbeat
from notifications.models import Message
from outcomes.models import QuestionnaireLink
from retention import actions, policy
from retention.queries import due_people

BATCH = 1000  # housekeeping rows, and people, per transaction
AUDIT_BATCH = 10_000  # audit rows per cut


def apply_retention_policy(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    periods = policy.periods()
    done = {
        "task_results": _prune("task_results", DBTaskResult, _finished_tasks(now), "finished"),
        "set_up_links": _prune(
            "set_up_links",
            SetUpLink,
            SetUpLink.objects.filter(expires_at__lt=now - policy.SPENT_LINKS),
            f"expired over {policy.SPENT_LINKS.days} days ago",
        ),
        "questionnaire_links": _prune(
            "questionnaire_links",
            QuestionnaireLink,
            QuestionnaireLink.objects.filter(expires_at__lt=now - policy.SPENT_LINKS),
            f"expired over {policy.SPENT_LINKS.days} days ago",
        ),
        "link_emails": _prune(
            "link_emails",
            Message,
            Message.objects.filter(
                person__isnull=True,
                template__code__in=policy.LINK_EMAIL_TEMPLATES,
                created_at__lt=now - policy.LINK_EMAILS,
            ).exclude(status__in=[Message.Status.QUEUED, Message.Status.SENDING]),
            f"staff emails with a one-time link, over {policy.LINK_EMAILS.days} days old",
        ),
        "sessions": _clear_sessions(now),
        "worker_heartbeats": _prune(
            "worker_heartbeats",
            WorkerHeartbeat,
            WorkerHeartbeat.objects.filter(last_seen_at__lt=now - policy.WORKER_HEARTBEATS),
            f"not seen for {policy.WORKER_HEARTBEATS.days} days",
        ),
    }
    if periods.hold:
        done["held"] = "closed records and the audit trail kept: LINKWORK_RETENTION_HOLD is on"
        return done
    done.update(erase_closed_records(now - periods.closed_records, today=timezone.localdate(now)))
    done["audit_rows"] = prune_audit_trail(now - periods.audit_trail)
    return done


def erase_closed_records(closed_before: datetime, *, today) -> dict:
    people = referrals = 0
    for batch in _pk_batches(due_people(closed_before)):
        erased = actions.erase_closed_records(
            by=None, person_ids=batch, closed_before=closed_before, today=today
        )
        people, referrals = people + erased["people"], referrals + erased["referrals"]
    return {"people_erased": people, "referrals_erased": referrals}


def prune_audit_trail(older_than: datetime) -> int:
    """Remove the start of the audit trail, up to the last row before the first one that is
    still inside the period: always a whole prefix of the chain, a batch of rows per cut."""
    audit_chain.seal_pending()
    sealed = AuditEvent.objects.filter(seq__isnull=False)
    kept = sealed.filter(at__gte=older_than).order_by("seq").values_list("seq", flat=True)
    last = sealed.order_by("-seq").values_list("seq", flat=True).first()
    end = kept.first()
    through = (end - 1) if end is not None else last
    removed = 0
    while through:
        first = sealed.order_by("seq").values_list("seq", flat=True).first()
        if first is None or first > through:
            break
        cut = actions.prune_audit_trail(by=None, through_seq=min(through, first + AUDIT_BATCH - 1))
        if not cut:  # a gap in the chain: verify_audit_chain says where; cut nothing more
            break
        removed += cut
    audit_chain.seal_pending()  # the records of the cuts (also sealed as each commits)
    return removed


def _finished_tasks(now) -> QuerySet:
    return DBTaskResult.objects.finished().filter(
        Q(status="SUCCESSFUL", finished_at__lt=now - policy.FINISHED_TASKS)
        | Q(status="FAILED", finished_at__lt=now - policy.FAILED_TASKS)
    )


def _clear_sessions(now) -> int | str:
    """What `manage.py clearsessions` does, a batch at a time where sessions are rows."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # cookies or a cache: they expire themselves
        store.clear_expired()
        return "cleared"
    model = store.get_model_class()
    return _prune("sessions", model, model.objects.filter(expire_date__lt=now), "expired")


def _prune(kind: str, model, due: QuerySet, rule: str) -> int:
    return sum(
        actions.prune_rows(by=None, kind=kind, model=model, pks=batch, rule=rule)
        for batch in _pk_batches(due)
    )


def _pk_batches(due: QuerySet) -> Iterator[list]:
    """The primary keys of every due row, BATCH at a time, walked by key (core.batches)."""
    batch = []
    for row in in_batches(due.only("pk"), size=BATCH):
        batch.append(row.pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
