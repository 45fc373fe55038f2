"""The main pathway's actions (and the views that call them), run once outside the per-test
transaction, as production runs them.

Every other test runs inside a transaction that pytest-django opens, and SQLite has no row
locks, so an action that forgot `@transaction.atomic` but locks rows with
`select_for_update()` passed everywhere and failed on PostgreSQL ("select_for_update cannot be
used outside of a transaction"): `POST /cases/<pk>/consent/` was a 500 (issue 13). Here there
is no surrounding transaction, and PostgreSQL's rule is enforced on SQLite too, so the mistake
fails on both. `scripts/lint_actions_atomic.py` keeps the decorator from being forgotten.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from casework import actions as casework
from onward import actions as onward
from onward.states import Status as OnwardStatus
from outcomes.actions import run_clock as outcomes_clock
from referrals import actions as referrals
from referrals.deadlines import run_clock as first_contact_clock
from referrals.models import DischargeReason, Need, Person, Referral
from referrals.states import Status
from tests import factories

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "api" / "fhir-servicerequest-example.json"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def locks_need_a_transaction(monkeypatch):
    """PostgreSQL's rule, on every database: a row lock outside a transaction is an error."""
    as_sql = SQLCompiler.as_sql

    def checked(self, *args, **kwargs):
        if self.query.select_for_update and self.connection.get_autocommit():
            raise transaction.TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", checked)


def test_the_rule_is_enforced_here(referral):
    with pytest.raises(transaction.TransactionManagementError):
        list(Person.objects.select_for_update().filter(pk=referral.person_id))
    with transaction.atomic():
        assert Person.objects.select_for_update().filter(pk=referral.person_id).exists()


def test_record_consent_through_the_page(client, active_referral, link_worker):
    client.force_login(link_worker)
    response = client.post(
        reverse("casework:consent", args=[active_referral.pk]),
        {
            "texts_allowed": "on",
            "share_with_providers": "contact_and_needs",
            "share_with_gp": "codes",
            "research_allowed": "on",
        },
    )
    assert response.status_code == 302, response.content
    person = Referral.objects.get(pk=active_referral.pk).person
    assert person.texts_allowed and person.share_with_gp == "codes" and person.research_allowed


def test_the_referral_pathway_from_referral_to_discharge(
    referrer, other_practice_referrer, service, team_lead, link_worker, provider
):
    person = factories.PersonDetailsFactory()
    referral = factories.referral(by=referrer, service=service, person=person)
    # Another practice refers the same person: held for triage, then merged.
    duplicate = factories.referral(by=other_practice_referrer, service=service, person=person)
    assert duplicate.possible_duplicate_of == referral
    referrals.decline_referral(
        by=team_lead, referral=duplicate, version=duplicate.version, reason="duplicate"
    )
    # The same practice again: told of its own referral.
    with pytest.raises(referrals.DuplicateReferral):
        factories.referral(by=referrer, service=service, person=person)

    referral = referrals.accept_referral(by=team_lead, referral=referral, version=referral.version)
    referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    factories.contact(referral, by=link_worker)
    referral.refresh_from_db()
    assert referral.status == Status.ACTIVE

    referrals.record_consent(
        by=link_worker,
        referral=referral,
        texts_allowed=True,
        emails_allowed=False,
        share_with_providers="contact",
        share_with_gp="summary",
        research_allowed=False,
    )
    referrals.correct_contact_details(
        by=link_worker,
        referral=referral,
        phone="07700900123",
        email="",
        preferred_contact="phone",
    )
    referrals.record_about(by=link_worker, referral=referral, sex="female", ethnicity="A")
    casework.record_what_matters(by=link_worker, referral=referral, text="Singing", replaces=None)
    casework.set_goal(by=link_worker, referral=referral, description="Join a choir")

    listing = factories.activity(area=service.area, owner=provider.organisation, capacity=3)
    sent = onward.refer_to_activity(by=link_worker, referral=referral, service=listing)
    accepted = onward.accept(
        by=provider,
        onward=sent,
        version=sent.version,
        first_session_at=timezone.now() + timedelta(days=3),
    )
    assert accepted.status == OnwardStatus.ACCEPTED
    onward.signpost(by=link_worker, referral=referral, description="Citizens Advice")

    referral.refresh_from_db()
    closed = casework.discharge_case(
        by=link_worker,
        referral=referral,
        version=referral.version,
        reason=DischargeReason.objects.first(),
    )
    assert closed.status == Status.DISCHARGED


def test_triage_decisions_and_reallocation(
    referrer, service, team_lead, link_worker, other_link_worker
):
    declined = factories.referral(by=referrer, service=service)
    referrals.decline_referral(
        by=team_lead,
        referral=declined,
        version=declined.version,
        reason="wrong_service",
    )
    redirected = factories.referral(by=referrer, service=service)
    referrals.redirect_referral(
        by=team_lead,
        referral=redirected,
        version=redirected.version,
        redirected_to="Talking therapies",
    )
    allocated = factories.allocate(
        factories.referral(by=referrer, service=service), by=team_lead, worker=link_worker
    )
    moved = factories.allocate(allocated, by=team_lead, worker=other_link_worker)
    assert moved.allocated_to == other_link_worker


def test_referrals_from_every_door(client, referrer, service, area):
    # The referral form.
    client.force_login(referrer)
    response = client.post(
        reverse("referrals:new"),
        {
            "nhs_number": factories.valid_nhs_number(),
            "given_name": "Ruth",
            "family_name": "Adeyemi",
            "date_of_birth[day]": "14",
            "date_of_birth[month]": "2",
            "date_of_birth[year]": "1950",
            "postcode": "nn1 1aa",
            "phone": "07700 900456",
            "preferred_contact": "phone",
            "needs": [str(Need.objects.get(code="loneliness").pk)],
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 302, response.content
    # A GP system, through the FHIR API (authentication touches the client; the request is
    # received in one transaction).
    _, token = create_api_client(
        by=None, organisation=referrer.organisation, name="EMIS", scopes=list(Scope.values)
    )
    example = json.loads(EXAMPLE.read_text().replace("Y90001", referrer.organisation.ods_code))
    response = client.post(
        "/api/fhir/ServiceRequest",
        data=json.dumps(example),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content


def test_the_clocks_run_outside_a_transaction(referrer, service):
    # Each item a clock handles is its own transaction (their row locks included).
    factories.referral(by=referrer, service=service)
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert first_contact_clock()["reminded"] == 1
        onward.run_clock()
        outcomes_clock()
