"""A list that shows nobody is audited with one INSERT, outside any transaction of its own,
and the row says the same as before: who, what, and that it showed 0."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import audit
from core.models import AuditEvent, AuditEventPerson

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_empty_list_is_one_insert(link_worker, settings):
    settings.AUDIT_SEAL_EVERY_SECONDS = 3600
    audit._seal()  # sealed now: the next seal is an hour away
    with CaptureQueriesContext(connection) as queries:
        event = audit.record_list_view(
            by=link_worker, verb="list_caseload", person_ids=[None], worker=link_worker.pk
        )
    writes = [q["sql"] for q in queries if not q["sql"].startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("INSERT")
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.kind, row.verb, row.actor_id) == (
        AuditEvent.Kind.VIEW,
        "list_caseload",
        link_worker.pk,
    )
    assert row.detail == {"worker": str(link_worker.pk), "shown": 0}
    assert row.person_id is None and row.object_type == "" and row.reason == ""
    assert not AuditEventPerson.objects.filter(event=row).exists()
