"""The audit trail is kept for LINKWORK_RETAIN_AUDIT_DAYS, then its oldest rows are removed:
always the start of the hash chain, a batch per cut, each cut recorded in the chain itself,
so `verify_audit_chain` still proves that nothing kept was changed or removed."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core import audit, audit_chain
from core.models import AuditEvent, AuditEventPerson
from retention import duty, policy

pytestmark = pytest.mark.django_db
PERIOD = timedelta(days=policy.AUDIT_DEFAULT_DAYS)


def write_rows(n, person_id=None):
    for i in range(n):
        audit.record_list_view(
            by=None, verb="test_list", person_ids=[person_id] if person_id else [], number=i
        )
    audit_chain.seal_pending()


@pytest.fixture
def trail(active_referral, monkeypatch):
    """Seven old rows (one listing a person) and, a year later, three newer ones; the old
    ones are cut three at a time."""
    monkeypatch.setattr(duty, "AUDIT_BATCH", 3)
    write_rows(7, active_referral.person_id)
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=365), tick=False):
        write_rows(3)
    return start


def test_old_rows_go_and_the_chain_still_verifies(trail, capsys):
    old = AuditEvent.objects.filter(at__lt=trail + timedelta(days=1)).count()
    kept = AuditEvent.objects.count() - old
    with time_machine.travel(trail + PERIOD + timedelta(days=2), tick=False):
        assert duty.prune_audit_trail(timezone.now() - PERIOD) == old
        assert not AuditEvent.objects.filter(at__lt=trail + timedelta(days=1)).exists()
        assert not AuditEventPerson.objects.exists()
        cuts = AuditEvent.objects.filter(verb=audit_chain.PRUNED).order_by("id")
        assert cuts.count() == -(-old // 3)  # a row per cut of three
        assert sum(cut.detail["rows"] for cut in cuts) == old
        result = audit_chain.verify()
        assert result.ok and result.first_seq == old + 1
        assert result.checked == kept + cuts.count()
        call_command("verify_audit_chain", verbosity=0)
        assert f"kept from row {old + 1}" in capsys.readouterr().out
        # Nothing more is due; later rows continue the chain.
        assert duty.prune_audit_trail(timezone.now() - PERIOD) == 0
        write_rows(2)
        assert audit_chain.verify().ok


def test_a_row_changed_or_removed_after_the_cut_still_shows(trail):
    with time_machine.travel(trail + PERIOD + timedelta(days=2), tick=False):
        duty.prune_audit_trail(timezone.now() - PERIOD)
    first = audit_chain.verify().first_seq
    AuditEvent.objects.filter(seq=first + 1).update(reason="nothing to see")
    result = audit_chain.verify()
    assert not result.ok and result.broken_at == first + 1
    AuditEvent.objects.filter(seq=first + 1).delete()
    assert "missing" in audit_chain.verify().problem


def test_rows_removed_without_the_duty_are_found(trail):
    AuditEventPerson.objects.filter(event__seq__lte=2).delete()
    AuditEvent.objects.filter(seq__lte=2).delete()
    result = audit_chain.verify()
    assert not result.ok and result.broken_at == 1 and "missing" in result.problem
    with pytest.raises(CommandError, match="row 1 is missing"):
        call_command("verify_audit_chain", verbosity=0)


def test_a_forged_record_of_a_cut_does_not_verify(trail):
    with time_machine.travel(trail + PERIOD + timedelta(days=2), tick=False):
        duty.prune_audit_trail(timezone.now() - PERIOD)
    last_cut = AuditEvent.objects.filter(verb=audit_chain.PRUNED).latest("seq")
    # Someone moves the cut on by hand: deletes more rows and edits its record to match.
    first = audit_chain.verify().first_seq
    AuditEvent.objects.filter(seq=first).delete()
    detail = {**last_cut.detail, "through_seq": first}
    AuditEvent.objects.filter(pk=last_cut.pk).update(detail=detail)
    assert not audit_chain.verify().ok


def test_rows_inside_the_period_are_never_cut(trail):
    with time_machine.travel(trail + PERIOD - timedelta(days=1), tick=False):
        assert duty.apply_retention_policy()["audit_rows"] == 0
    assert audit_chain.verify().first_seq == 1
