"""The retention duty removes what is worthless once spent, a batch at a time, and audits
each removal with a count: finished background tasks, spent set-up and questionnaire links,
staff emails that carried a one-time link, expired sessions and stopped workers' heartbeats.
What is still in use stays."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.actions import issue_set_up_link, send_password_reset_link
from accounts.models import SetUpLink
from core import periodic
from core.background import beat
from core.models import AuditEvent, WorkerHeartbeat
from notifications.models import Message
from outcomes import actions as outcomes
from outcomes.models import QuestionnaireLink
from referrals.models import Person
from retention import duty

pytestmark = pytest.mark.django_db


def later(delta):
    return time_machine.travel(timezone.now() + delta, tick=False)


def pruned(kind) -> int:
    return sum(
        row.detail["rows"]
        for row in AuditEvent.objects.filter(verb="apply_retention", detail__kind=kind)
    )


def test_the_duty_is_registered_with_the_other_periodic_duties():
    assert ("retention.duty.apply_retention_policy", timedelta(hours=23)) in periodic.DUTIES
    assert periodic.queue_for("retention.duty.apply_retention_policy") == "bulk"


def test_spent_links_and_the_emails_that_carried_them_go(team_lead, link_worker, active_referral):
    issue_set_up_link(by=None, user=link_worker)
    send_password_reset_link(user=team_lead)
    Message.objects.filter(template__code="password_reset").update(
        status="delivered", notify_id="notify-1"
    )
    Person.objects.filter(pk=active_referral.person_id).update(texts_allowed=True)
    baseline = active_referral.questionnaire_requests.get(timepoint="baseline")
    outcomes.send_link(by=None, request=baseline)
    assert SetUpLink.objects.count() == QuestionnaireLink.objects.count() == 1
    with later(timedelta(days=29)):  # expired 28 days ago: kept a while yet
        assert duty.apply_retention_policy()["set_up_links"] == 0
    with later(timedelta(days=35)):
        fresh = issue_set_up_link(by=None, user=team_lead)
    with later(timedelta(days=60)):  # the fresh one expired 24 days ago: kept
        result = duty.apply_retention_policy()
    assert (result["set_up_links"], result["questionnaire_links"], result["link_emails"]) == (
        1,
        1,
        1,
    )
    assert SetUpLink.objects.get().user == team_lead and fresh  # the newer one is kept
    assert not Message.objects.filter(template__code="password_reset").exists()
    # The person's own texts are their record's, kept with it.
    assert Message.objects.filter(person=active_referral.person_id).exists()
    assert pruned("set_up_links") == pruned("questionnaire_links") == pruned("link_emails") == 1


def test_expired_sessions_go_and_live_ones_stay(client, link_worker):
    client.force_login(link_worker)
    stale = SessionStore()
    stale.create()
    Session.objects.filter(pk=stale.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    assert duty.apply_retention_policy()["sessions"] == 1
    assert Session.objects.count() == 1
    assert pruned("sessions") == 1


def test_finished_tasks_go_after_their_time_and_waiting_ones_never(run_tasks, monkeypatch):
    monkeypatch.setattr(duty, "BATCH", 2)
    for _ in range(5):
        periodic.run_duty.using(queue_name="bulk").enqueue("core.audit_chain.seal_pending")
    run_tasks()
    waiting = periodic.run_duty.using(run_after=timezone.now() + timedelta(days=90)).enqueue(
        "core.audit_chain.seal_pending"
    )
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 5
    with later(timedelta(days=13)):
        assert duty.apply_retention_policy()["task_results"] == 0
    with later(timedelta(days=15)):
        assert duty.apply_retention_policy()["task_results"] == 5
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [waiting.id]
    assert (
        AuditEvent.objects.filter(verb="apply_retention", detail__kind="task_results").count() == 3
    )


def test_stopped_workers_heartbeats_go():
    beat("stopped-worker")
    with later(timedelta(days=2)):
        beat("running-worker")
        assert duty.apply_retention_policy()["worker_heartbeats"] == 1
    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == ["running-worker"]


def test_the_audit_trail_must_outlive_the_records(settings):
    settings.LINKWORK_RETAIN_CLOSED_RECORDS_DAYS = 3000
    settings.LINKWORK_RETAIN_AUDIT_DAYS = 2000
    assert "retention.E002" in {problem.id for problem in run_checks()}
    settings.LINKWORK_RETAIN_AUDIT_DAYS = 3000
    assert not {p.id for p in run_checks()} & {"retention.E001", "retention.E002", "retention.W001"}
    settings.LINKWORK_RETAIN_CLOSED_RECORDS_DAYS = 365
    assert "retention.W001" in {problem.id for problem in run_checks()}
