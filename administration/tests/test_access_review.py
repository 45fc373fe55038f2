"""The access review (page and CSV) and the 90-day rule: accounts unused for 80 days are
named to the area's service administrators, and switched off at 90."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import actions, lifecycle
from accounts.models import SwitchedOffReason, User
from administration.tests.conftest import administrator
from administration.views import access_review as review_view
from core import periodic
from core.models import AuditEvent
from notifications.models import Message
from tests import factories

pytestmark = pytest.mark.django_db
REVIEW = reverse("administration:access_review")
CSV = reverse("administration:access_review_csv")


def csv_rows(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


# The page


def test_every_account_in_the_area_and_no_other(
    client, service_admin, link_worker, team_lead, referrer, other_area_link_worker, system_admin
):
    client.force_login(link_worker)  # signed in once
    client.force_login(service_admin)
    response = client.get(REVIEW)
    assert response.status_code == 200
    text = response.content.decode()
    for person in (service_admin, link_worker, team_lead, referrer):
        assert person.full_name in text and person.email in text
        assert reverse("administration:staff_member", args=[person.pk]) in text
    assert other_area_link_worker.full_name not in text
    assert system_admin.full_name not in text
    assert "Never" in text  # team lead and referrer have not signed in
    assert "Set up" in text
    assert AuditEvent.objects.filter(verb="access_review", actor=service_admin).exists()


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"role": "team_lead"}, ["Tess Lead"], ["Lin Worker", "Dr Gita Rao"]),
        ({"status": "switched_off"}, ["Lin Worker"], ["Tess Lead"]),
        ({"status": "invited"}, ["Tess Lead"], ["Lin Worker", "Dr Gita Rao"]),
        ({"status": "active"}, ["Dr Gita Rao"], ["Lin Worker", "Tess Lead"]),
        ({"second_factor": "no"}, ["Tess Lead"], ["Lin Worker", "Dr Gita Rao"]),
        ({"second_factor": "yes"}, ["Lin Worker", "Dr Gita Rao"], ["Tess Lead"]),
        ({"q": "gita"}, ["Dr Gita Rao"], ["Lin Worker", "Tess Lead"]),
    ],
)
def test_filters(client, service_admin, link_worker, team_lead, referrer, query, shown, hidden):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=team_lead).delete()
    client.force_login(referrer)  # active
    actions.switch_off_account(by=service_admin, user=link_worker)
    client.force_login(service_admin)
    text = client.get(REVIEW, query).content.decode()
    for name in shown:
        assert name in text, (query, name)
    for name in hidden:
        assert name not in text, (query, name)
    rows = csv_rows(client.get(CSV, query))
    names = [row[0] for row in rows[1:]]
    assert set(shown) <= set(names) and not set(hidden) & set(names)


def test_not_signed_in_for_a_while(client, service_admin, link_worker, team_lead, time_machine):
    start = timezone.now()
    time_machine.move_to(start + timedelta(days=50), tick=False)
    client.force_login(link_worker)
    time_machine.move_to(start + timedelta(days=81), tick=False)
    client.force_login(service_admin)
    text = client.get(REVIEW, {"unused": "80"}).content.decode()
    assert "Tess Lead" in text and "Lin Worker" not in text
    text = client.get(REVIEW, {"unused": "30"}).content.decode()
    assert "Tess Lead" in text and "Lin Worker" in text


def test_a_bad_filter_is_named_and_ignored(client, service_admin, link_worker):
    client.force_login(service_admin)
    response = client.get(REVIEW, {"role": "wizard", "unused": "7"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Choose a role from the list" in text and "Choose a number of days" in text
    assert "Lin Worker" in text
    assert client.get(CSV, {"role": "wizard"}).status_code == 200


def test_pages(client, service_admin, service, monkeypatch):
    monkeypatch.setattr(review_view, "PER_PAGE", 2)
    for number in range(4):
        factories.user(organisation=service, role="link_worker", full_name=f"Worker {number}")
    client.force_login(service_admin)
    first = client.get(REVIEW).content.decode()
    # In name order: Sid Service, Worker 0 | Worker 1, Worker 2 | Worker 3.
    assert "Page 1 of 3" in first and service_admin.email in first and "Worker 1" not in first
    last = client.get(REVIEW, {"page": 3}).content.decode()
    assert "Worker 3" in last and service_admin.email not in last
    assert "Page 3 of 3" in client.get(REVIEW, {"page": "99"}).content.decode()


def test_the_csv_streams_every_account_safely(client, service_admin, service, link_worker):
    evil = factories.user(organisation=service, role="link_worker", full_name="=cmd|' /C calc'!A0")
    client.force_login(service_admin)
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == review_view.HEADER
    by_email = {row[1]: row for row in rows[1:]}
    assert set(by_email) == {service_admin.email, link_worker.email, evil.email}
    worker = by_email[link_worker.email]
    assert worker[2] == "Link worker" and worker[3] == link_worker.organisation.name
    assert worker[6] == "Invited (not signed in yet)" and worker[7] == "Never"
    assert worker[8] == "Set up"
    # A formula in a cell is neutralised (core/csv_safe.py).
    assert by_email[evil.email][0] == "'=cmd|' /C calc'!A0"
    assert AuditEvent.objects.filter(verb="download_access_review", actor=service_admin).exists()


def test_the_csv_is_written_a_chunk_at_a_time(client, service_admin, service, monkeypatch):
    monkeypatch.setattr(review_view, "CSV_CHUNK", 2)
    for number in range(5):
        factories.user(organisation=service, role="link_worker", full_name=f"Worker {number}")
    client.force_login(service_admin)
    chunks = list(client.get(CSV).streaming_content)
    assert len(chunks) >= 3
    assert len(list(csv.reader(io.StringIO(b"".join(chunks).decode())))) == 7


@pytest.mark.parametrize("persona", ["link_worker", "team_lead", "commissioner", "system_admin"])
def test_only_service_administrators_review_access(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(REVIEW).status_code == 403
    assert client.get(CSV).status_code == 403


# Accounts unused for 90 days


@pytest.fixture
def quiet_area(area, service_admin, service):
    """An area whose service administrator keeps signing in, so only the accounts a test
    makes go unused."""
    return area


def keep_using(*users):
    from django.contrib.auth.models import update_last_login

    for user in users:
        update_last_login(None, user)


def warning_emails():
    return Message.objects.filter(template__code="unused_accounts_warning")


def test_administrators_are_told_at_80_days_and_the_account_switched_off_at_90(
    quiet_area, service_admin, service, time_machine
):
    worker = factories.user(organisation=service, role="link_worker", full_name="Una Used")
    made = timezone.now()

    time_machine.move_to(made + timedelta(days=79, hours=23), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}

    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    assert actions.review_unused_accounts() == {"warned": 1, "switched_off": 0}
    email = warning_emails().get()
    assert email.to_user == service_admin
    off_on = timezone.localdate(made + timedelta(days=90, minutes=1))
    assert f"{off_on.day} {off_on:%B %Y}" in email.subject
    assert "Una Used" in email.body and worker.email in email.body
    assert reverse("administration:access_review") in email.body
    assert AuditEvent.objects.filter(verb="warn_unused_account", object_id=str(worker.pk)).exists()
    # Told once: the next run leaves them alone.
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}
    assert warning_emails().count() == 1

    time_machine.move_to(made + timedelta(days=89, hours=23), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["switched_off"] == 0

    time_machine.move_to(made + timedelta(days=90, minutes=2), tick=False)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 1}
    worker.refresh_from_db()
    assert not worker.is_active and worker.switched_off_reason == SwitchedOffReason.UNUSED
    event = AuditEvent.objects.get(verb="switch_off_account", object_id=str(worker.pk))
    assert event.actor is None and event.detail["cause"] == "unused"
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}


def test_signing_in_after_the_warning_keeps_the_account(
    client, quiet_area, service_admin, service, time_machine
):
    worker = factories.user(organisation=service, role="link_worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["warned"] == 1
    time_machine.move_to(made + timedelta(days=85), tick=False)
    client.force_login(worker)
    time_machine.move_to(made + timedelta(days=91), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}
    worker.refresh_from_db()
    assert worker.is_active
    # Unused for 80 days again: told again.
    time_machine.move_to(made + timedelta(days=85 + 80, minutes=1), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["warned"] == 1


def test_no_switch_off_without_a_warning_ten_days_before(
    quiet_area, service_admin, service, time_machine
):
    """The sweep did not run at 80 days (the worker was stopped): at 95 days the account is
    named first, and switched off only 10 days later."""
    worker = factories.user(organisation=service, role="link_worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=95), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 1, "switched_off": 0}
    time_machine.move_to(made + timedelta(days=104), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["switched_off"] == 0
    time_machine.move_to(made + timedelta(days=105, minutes=1), tick=False)
    assert actions.review_unused_accounts()["switched_off"] == 1
    worker.refresh_from_db()
    assert not worker.is_active


def test_demo_accounts_and_system_administrators_are_left_alone(
    settings, quiet_area, service_admin, service, system_admin, time_machine
):
    settings.LINKWORK_NONPROD = True
    demo = factories.user(organisation=service, role="link_worker")
    actions.mark_demo_accounts(by=None, users=[demo])
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=200), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}
    for user in (demo, system_admin):
        user.refresh_from_db()
        assert user.is_active


def test_switched_back_on_the_clock_starts_again(quiet_area, service_admin, service, time_machine):
    worker = factories.user(organisation=service, role="link_worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin)
    actions.review_unused_accounts()
    time_machine.move_to(made + timedelta(days=90, minutes=2), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["switched_off"] == 1
    time_machine.move_to(made + timedelta(days=100), tick=False)
    keep_using(service_admin)
    actions.switch_on_account(by=service_admin, user=worker)
    time_machine.move_to(made + timedelta(days=179), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 0}
    time_machine.move_to(made + timedelta(days=180, minutes=1), tick=False)
    assert actions.review_unused_accounts()["warned"] == 1


def test_every_account_is_reached_in_one_run_however_many(
    quiet_area, service_admin, service, time_machine, monkeypatch
):
    monkeypatch.setattr(actions, "UNUSED_BATCH", 3)
    workers = [factories.user(organisation=service, role="link_worker") for _ in range(7)]
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 7, "switched_off": 0}
    # One email per batch of the area's accounts, every account named in one of them.
    bodies = " ".join(warning_emails().values_list("body", flat=True))
    assert all(w.full_name in bodies for w in workers)
    assert warning_emails().count() == 3
    time_machine.move_to(made + timedelta(days=90, minutes=2), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts() == {"warned": 0, "switched_off": 7}
    assert not User.objects.filter(pk__in=[w.pk for w in workers], is_active=True).exists()


def test_each_area_is_told_about_its_own(
    quiet_area, service_admin, service, other_area_service_admin, time_machine
):
    here = factories.user(organisation=service, role="link_worker", full_name="Here Worker")
    other_service = factories.service(area=other_area_service_admin.organisation.area)
    there = factories.user(organisation=other_service, role="link_worker", full_name="There Worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin, other_area_service_admin)
    assert actions.review_unused_accounts()["warned"] == 2
    ours = warning_emails().get(to_user=service_admin)
    theirs = warning_emails().get(to_user=other_area_service_admin)
    assert here.full_name in ours.body and there.full_name not in ours.body
    assert there.full_name in theirs.body and here.full_name not in theirs.body


def test_an_area_without_a_service_administrator_tells_the_system_administrators(
    system_admin, time_machine
):
    lonely = factories.service(area=factories.area())
    factories.user(organisation=lonely, role="link_worker", full_name="Lone Worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    assert actions.review_unused_accounts()["warned"] == 1
    assert warning_emails().get().to_user == system_admin


def test_the_sweep_runs_it(quiet_area, service_admin, service, time_machine):
    assert ("accounts.actions.review_unused_accounts", timedelta(hours=23)) in periodic.DUTIES
    worker = factories.user(organisation=service, role="link_worker")
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin)
    results = periodic.run_duties()
    assert results["accounts.actions.review_unused_accounts"] == {"warned": 1, "switched_off": 0}
    assert lifecycle.due_for_warning(timezone.now()).filter(pk=worker.pk).count() == 0


def test_a_colleague_administrator_is_named_to_the_others(
    quiet_area, service_admin, area, time_machine
):
    idle = administrator("idle@example.nhs.uk", "Idle Admin", area)
    made = timezone.now()
    time_machine.move_to(made + timedelta(days=80, minutes=1), tick=False)
    keep_using(service_admin)
    assert actions.review_unused_accounts()["warned"] == 1
    assert "Idle Admin" in warning_emails().get(to_user=service_admin).body
    assert warning_emails().filter(to_user=idle).exists()  # and to themselves
