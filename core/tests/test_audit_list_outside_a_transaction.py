"""A list page runs outside a transaction (no ATOMIC_REQUESTS): its audit row, and the people
on it, are sealed together, so the chain still verifies (found following docs/go-live.md on
PostgreSQL: `verify_audit_chain` failed at the first triage list)."""

import pytest
from django.db import connection

from core import audit, audit_chain
from core.models import AuditEvent
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_list_shown_outside_a_transaction_is_sealed_with_its_people(settings):
    settings.AUDIT_SEAL_EVERY_SECONDS = 0  # sealed at its own commit, not a second later
    area = factories.area()
    practice = factories.practice(area)
    gp = factories.user(organisation=practice, role="referrer")
    referral = factories.referral(by=gp, service=factories.service(area))
    assert connection.get_autocommit()  # as in a request: each statement commits alone

    event = audit.record_list_view(
        by=None, verb="list_triage_queue", person_ids=[referral.person_id], page=1
    )

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.seq is not None  # sealed when it committed
    assert list(event.people.values_list("person_id", flat=True)) == [referral.person_id]
    assert audit_chain.verify().ok
