"""The caseload page reads a few fields per case (casework.queries.caseload_rows): each row
still says what the case's own records say, pages hold every case once, and the read audit
names exactly the people on the page."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from outcomes import actions as outcome_actions
from tests import factories

pytestmark = pytest.mark.django_db


def rows(response, key="name") -> dict:
    """{person's name (or the case's id): the text of their row}"""
    assert response.status_code == 200
    body = response.content.decode()
    found = {}
    for row in re.findall(r'<tr class="nhsuk-table__row">\s*<td.*?</tr>', body, re.S):
        case, name = re.search(r'<a href="/cases/([0-9a-f-]+)/">([^<]+)</a>', row).groups()
        found[unescape(name) if key == "name" else case] = unescape(re.sub(r"<[^>]+>", " ", row))
    return found


def test_each_row_shows_its_own_case_flags_and_needs(
    client, referrer, service, team_lead, link_worker, active_referral, time_machine
):
    # An unanswered first contact, a month on: overdue.
    time_machine.move_to(timezone.now() - timedelta(days=30))
    waiting = factories.allocate(
        factories.referral(by=referrer, service=service, needs=("low-mood", "loneliness")),
        by=team_lead,
        worker=link_worker,
    )
    time_machine.move_to(timezone.now() + timedelta(days=30))
    # A risk answer on the active case: a safety alert, unacknowledged.
    outcome_actions.save_answers(
        by=link_worker,
        referral=active_referral,
        code="phq9",
        answers={"self_harm": 1},
        timepoint="other",
        submit=True,
    )
    client.force_login(link_worker)
    shown = rows(client.get(reverse("casework:caseload")))

    active_row = shown[active_referral.person.full_name]
    waiting_row = shown[waiting.person.full_name]
    assert "Safety alert" in active_row and "Safety alert" not in waiting_row
    assert waiting.first_contact_overdue and not active_referral.first_contact_overdue
    assert "First contact overdue" in waiting_row
    assert "First contact overdue" not in active_row
    has_due = active_referral.questionnaire_requests.filter(
        status__in=["due", "sent"], due_on__lte=timezone.localdate()
    ).exists()
    assert ("Questionnaires due" in active_row) == has_due
    assert "Questionnaires due" not in waiting_row
    # Reasons in the needs' own order, as the model lists them.
    assert ", ".join(str(n) for n in waiting.needs.all()) in waiting_row
    assert "Low mood, Loneliness" not in waiting_row  # the order given is not kept


def test_cases_received_together_are_each_on_one_page_only(
    client, referrer, service, team_lead, link_worker, time_machine
):
    # Received in the same instant, nothing scheduled: they tie on the caseload's order.
    time_machine.move_to(timezone.now(), tick=False)
    cases = {
        str(
            factories.allocate(
                factories.referral(by=referrer, service=service), by=team_lead, worker=link_worker
            ).pk
        )
        for _ in range(30)
    }
    client.force_login(link_worker)
    first = rows(client.get(reverse("casework:caseload")), key="case")
    second = rows(client.get(reverse("casework:caseload") + "?page=2"), key="case")
    assert len(first) == 25 and len(second) == 5
    assert set(first) | set(second) == cases
    assert not set(first) & set(second)


def test_the_read_audit_names_the_people_on_the_page(
    client, referrer, service, team_lead, link_worker
):
    referrals = [
        factories.allocate(
            factories.referral(by=referrer, service=service), by=team_lead, worker=link_worker
        )
        for _ in range(27)
    ]
    client.force_login(link_worker)
    shown = rows(client.get(reverse("casework:caseload") + "?page=2"))
    event = AuditEvent.objects.filter(verb="list_caseload").latest("at")
    named = {r.person_id for r in referrals if r.person.full_name in shown}
    assert len(named) == 2
    assert set(event.people.values_list("person_id", flat=True)) == named
    assert event.detail == {"page": 2, "worker": str(link_worker.pk), "shown": 2}
