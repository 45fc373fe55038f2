"""The audit trail: lists of people record each person shown; sealed rows form a hash chain
that shows any change, removal or reordering; sealing runs after each commit."""

import threading
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from core import audit, audit_chain
from core.models import AuditChainHead, AuditEvent, AuditEventPerson
from onward.actions import refer_to_activity
from outcomes import actions as outcome_actions
from tests import factories


def people_seen(user, verb):
    event = AuditEvent.objects.filter(actor=user, verb=verb).latest("id")
    return set(event.people.values_list("person_id", flat=True))


@pytest.mark.django_db
def test_triage_queue_records_each_person_shown(client, team_lead, referrer, service):
    waiting = [factories.referral(by=referrer, service=service) for _ in range(3)]
    client.force_login(team_lead)
    assert client.get(reverse("referrals:triage")).status_code == 200
    assert people_seen(team_lead, "list_triage_queue") == {r.person_id for r in waiting}


@pytest.mark.django_db
def test_caseload_records_the_people_on_the_page_only(client, link_worker, active_referral):
    client.force_login(link_worker)
    client.get(reverse("casework:caseload"))
    assert people_seen(link_worker, "list_caseload") == {active_referral.person_id}
    client.get(reverse("casework:caseload"), {"page": "2"})  # nearest real page: page 1


@pytest.mark.django_db
def test_sent_referrals_record_the_referrers_people(client, referrer, referral):
    client.force_login(referrer)
    client.get(reverse("referrals:sent"))
    assert people_seen(referrer, "list_sent_referrals") == {referral.person_id}


@pytest.mark.django_db
def test_team_page_is_audited(client, team_lead):
    client.force_login(team_lead)
    client.get(reverse("casework:team"))
    assert AuditEvent.objects.filter(actor=team_lead, verb="view_team").exists()


@pytest.mark.django_db
def test_safety_alerts_list_records_the_people(client, link_worker, active_referral):
    outcome_actions.save_answers(
        by=link_worker,
        referral=active_referral,
        code="phq9",
        answers={"self_harm": 1},
        timepoint="other",
        submit=True,
    )
    client.force_login(link_worker)
    client.get(reverse("outcomes:alerts"))
    assert people_seen(link_worker, "list_safety_alerts") == {active_referral.person_id}


@pytest.mark.django_db
def test_provider_referrals_record_the_people(
    client, provider, provider_listing, link_worker, active_referral
):
    refer_to_activity(by=link_worker, referral=active_referral, service=provider_listing)
    client.force_login(provider)
    client.get(reverse("onward:provider_referrals"))
    assert people_seen(provider, "list_provider_referrals") == {active_referral.person_id}


@pytest.mark.django_db
def test_seen_by_finds_single_reads_and_lists(client, link_worker, active_referral):
    client.force_login(link_worker)
    client.get(reverse("casework:caseload"))
    client.get(reverse("casework:case", args=[active_referral.pk]))
    verbs = set(audit.seen_by(active_referral.person_id).values_list("verb", flat=True))
    assert {"list_caseload"} <= verbs and len(verbs) >= 2


def write_rows(n, person_id=None):
    for i in range(n):
        audit.record_list_view(
            by=None, verb="test_list", person_ids=[person_id] if person_id else [], number=i
        )


@pytest.mark.django_db
def test_sealing_chains_every_row_and_verifies(active_referral):
    write_rows(5, active_referral.person_id)
    sealed = audit_chain.seal_pending()
    assert sealed == AuditEvent.objects.count()
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    result = audit_chain.verify()
    assert result.ok and result.checked == sealed
    head = AuditChainHead.objects.get()
    assert head.seq == sealed and head.chain_hash == AuditEvent.objects.latest("seq").chain_hash
    # Sealing again changes nothing; later rows continue the chain.
    assert audit_chain.seal_pending() == 0
    write_rows(2)
    audit_chain.seal_pending()
    assert audit_chain.verify().ok


@pytest.mark.django_db
def test_a_changed_row_breaks_the_chain_at_that_row(active_referral):
    write_rows(6)
    audit_chain.seal_pending()
    target = AuditEvent.objects.get(seq=3)
    AuditEvent.objects.filter(pk=target.pk).update(reason="nothing to see")
    result = audit_chain.verify()
    assert not result.ok and result.broken_at == 3 and "changed" in result.problem


@pytest.mark.django_db
def test_a_changed_list_of_people_breaks_the_chain(active_referral):
    write_rows(1, active_referral.person_id)
    audit_chain.seal_pending()
    AuditEventPerson.objects.update(person_id=uuid.uuid4())
    assert not audit_chain.verify().ok


@pytest.mark.django_db
def test_a_removed_row_in_the_middle_or_at_the_end_is_found(db):
    write_rows(5)
    audit_chain.seal_pending()
    AuditEvent.objects.filter(seq=5).delete()
    result = audit_chain.verify()
    assert not result.ok and "removed" in result.problem
    AuditEvent.objects.filter(seq=2).delete()
    result = audit_chain.verify()
    assert not result.ok and result.broken_at == 2 and "missing" in result.problem


@pytest.mark.django_db
def test_verify_command_seals_reports_and_fails_on_tampering(db, capsys):
    write_rows(3)
    call_command("verify_audit_chain", verbosity=0)
    out = capsys.readouterr().out
    assert "Audit chain intact: 3 rows" in out
    AuditEvent.objects.filter(seq=1).update(verb="sign_in")
    with pytest.raises(CommandError, match="tampered with: row 1"):
        call_command("verify_audit_chain", verbosity=0)


@pytest.mark.django_db
def test_verify_without_sealing_reports_rows_waiting(db, capsys):
    write_rows(2)
    call_command("verify_audit_chain", "--no-seal", verbosity=0)
    out = capsys.readouterr().out
    assert "intact: 0 rows" in out and "2 not yet sealed" in out


@pytest.fixture
def seal_after_every_commit(settings):
    settings.AUDIT_SEAL_EVERY_SECONDS = 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seal_after_every_commit")
def test_rows_are_sealed_after_their_transaction_commits(db):
    with transaction.atomic():
        write_rows(3)
        assert AuditEvent.objects.filter(seq__isnull=True).count() == 3
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert audit_chain.verify().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seal_after_every_commit")
def test_a_rolled_back_transaction_leaves_nothing_and_the_next_commit_still_seals(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        write_rows(2)
        raise RuntimeError
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        write_rows(1)
    assert AuditEvent.objects.get().seq == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_unbroken_chain(db):
    errors = []

    def work():
        try:
            for _ in range(10):
                with transaction.atomic():
                    write_rows(2)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    audit_chain.seal_pending()
    result = audit_chain.verify()
    assert result.ok and result.checked == 80
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 81))
