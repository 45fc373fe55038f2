"""A member of staff's page and their account's lifecycle: change role, switch off a leaver
(every session ends at once; their open cases listed for the team lead), switch back on,
reset the second factor, and the 90-day rule for unused accounts."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import actions, lifecycle, reauth
from accounts.models import SetUpLink, SwitchedOffReason, User
from accounts.tests.test_sign_in_throttle import race
from administration.tests.conftest import administrator
from core.errors import ActionError, ConcurrentChange
from core.models import AuditEvent
from core.permissions import Role
from tests import factories

pytestmark = pytest.mark.django_db


def page(person):
    return reverse("administration:staff_member", args=[person.pk])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(verb, user):
    return AuditEvent.objects.filter(verb=verb, object_id=str(user.pk))


# The page


def test_the_page_shows_who_they_are_and_how_they_sign_in(client, service_admin, link_worker):
    client.force_login(link_worker)  # a sign-in, so "last signed in" has a time
    User.objects.filter(pk=link_worker.pk).update(job_title="Social prescriber")
    client.force_login(service_admin)
    response = client.get(page(link_worker))
    assert response.status_code == 200
    text = response.content.decode()
    for shown in [
        "Lin Worker",
        link_worker.email,
        link_worker.organisation.name,
        "Link worker",
        "Social prescriber",
        "Set up",  # the second factor
        "Active",
        "Switch off this account",
        "Reset second factor",
    ]:
        assert shown in text, shown
    assert "Never" not in text
    assert events("view_staff_member", link_worker).filter(actor=service_admin).exists()


def test_an_account_not_yet_used_shows_as_invited_without_a_second_factor(
    client, service_admin, service
):
    newcomer = factories.user(organisation=service, role="link_worker", second_factor=False)
    client.force_login(service_admin)
    text = client.get(page(newcomer)).content.decode()
    assert "Invited (not signed in yet)" in text and "Not set up" in text and "Never" in text
    assert "Reset second factor" not in text


@pytest.mark.parametrize("persona", ["link_worker", "team_lead", "referrer", "commissioner"])
def test_staff_without_staff_management_are_refused(client, request, persona, link_worker):
    client.force_login(request.getfixturevalue(persona))
    for name in ["staff_member", "change_role", "switch_off"]:
        url = reverse(f"administration:{name}", args=[link_worker.pk])
        assert client.get(url).status_code == 403, name
        assert (
            client.post(url, {"role": "team_lead", "seen_role": "link_worker"}).status_code == 403
        )
    url = reverse("administration:switch_on", args=[link_worker.pk])
    assert client.post(url).status_code == 403
    link_worker.refresh_from_db()
    assert link_worker.is_active and link_worker.role == Role.LINK_WORKER


def test_another_areas_administrator_gets_not_found(
    client, other_area_service_admin, link_worker, service_admin
):
    client.force_login(other_area_service_admin)
    for person in (link_worker, service_admin):
        for name in ["staff_member", "change_role", "switch_off"]:
            url = reverse(f"administration:{name}", args=[person.pk])
            assert client.get(url).status_code == 404, name
            assert client.post(url, {"role": "commissioner"}).status_code == 404, name
        assert client.post(reverse("administration:switch_on", args=[person.pk])).status_code == 404
    link_worker.refresh_from_db()
    assert link_worker.is_active
    with pytest.raises(ActionError):
        actions.switch_off_account(by=other_area_service_admin, user=link_worker)


def test_a_system_administrator_manages_administrators_not_case_workers(
    client, system_admin, service_admin, link_worker
):
    client.force_login(system_admin)
    assert client.get(page(service_admin)).status_code == 200
    assert client.get(page(link_worker)).status_code == 404
    assert (
        client.post(reverse("administration:switch_off", args=[service_admin.pk])).status_code
        == 302
    )
    service_admin.refresh_from_db()
    assert not service_admin.is_active


def test_anonymous_visitors_are_sent_to_sign_in(client, link_worker):
    response = client.get(page(link_worker))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


# Change role


def change(client, person, role, seen=None):
    return client.post(
        reverse("administration:change_role", args=[person.pk]),
        {"role": role, "seen_role": seen or person.role},
    )


def test_changing_a_role_is_audited(client, service_admin, link_worker):
    client.force_login(service_admin)
    form = client.get(reverse("administration:change_role", args=[link_worker.pk]))
    assert form.status_code == 200
    # Only the roles a link-worker service's staff can have are offered.
    assert 'value="team_lead"' in form.content.decode()
    assert 'value="referrer"' not in form.content.decode()
    response = change(client, link_worker, "team_lead")
    assert response.status_code == 302 and response["Location"] == page(link_worker)
    link_worker.refresh_from_db()
    assert link_worker.role == Role.TEAM_LEAD
    event = events("change_role", link_worker).get()
    assert event.actor == service_admin
    assert event.detail["old"] == "link_worker" and event.detail["new"] == "team_lead"


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("referrer", "Choose one of the roles listed"),  # not for a link-worker service
        ("system_admin", "Choose one of the roles listed"),
        ("", "Choose a role"),
        ("link_worker", "is already a link worker"),
    ],
)
def test_a_role_the_organisation_cannot_have_is_refused(
    client, service_admin, link_worker, role, message
):
    client.force_login(service_admin)
    response = change(client, link_worker, role)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    link_worker.refresh_from_db()
    assert link_worker.role == Role.LINK_WORKER
    assert not events("change_role", link_worker).exists()


def test_the_action_itself_refuses_a_role_outside_the_organisations_kinds(
    service_admin, link_worker
):
    with pytest.raises(ActionError, match="cannot be a referrer"):
        actions.change_role(
            by=service_admin, user=link_worker, role="referrer", seen_role="link_worker"
        )


def test_nobody_changes_their_own_role(client, service_admin):
    client.force_login(service_admin)
    response = change(client, service_admin, "commissioner")
    assert "ask another administrator" in response.content.decode().lower()
    service_admin.refresh_from_db()
    assert service_admin.role == Role.SERVICE_ADMIN


def test_changing_a_role_needs_a_recent_confirmation(client, service_admin, link_worker):
    client.force_login(service_admin)
    session = client.session
    session[reauth.CONFIRMED_AT] = (timezone.now() - timedelta(hours=1)).timestamp()
    session.save()
    response = change(client, link_worker, "team_lead")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:confirm_its_you"))
    link_worker.refresh_from_db()
    assert link_worker.role == Role.LINK_WORKER


def test_a_role_changed_meanwhile_is_not_overwritten(client, service_admin, link_worker, area):
    colleague = administrator("colleague@example.nhs.uk", "Col League", area)
    # Both opened the page when they were a link worker; the colleague saved first.
    actions.change_role(by=colleague, user=link_worker, role="team_lead", seen_role="link_worker")
    client.force_login(service_admin)
    response = change(client, link_worker, "directory_editor", seen="link_worker")
    assert response.status_code == 200
    assert "Someone else changed Lin Worker's role to team lead" in unescape(
        response.content.decode()
    )
    link_worker.refresh_from_db()
    assert link_worker.role == Role.TEAM_LEAD
    # The form now carries the role as it is, so choosing again works.
    assert 'name="seen_role" value="team_lead"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_administrators_changing_a_role_at_once_one_wins(area, service):
    first = administrator("first@example.nhs.uk", "First Admin", area)
    second = administrator("second@example.nhs.uk", "Second Admin", area)
    worker = factories.user(organisation=service, role="link_worker")
    results = race(
        [
            lambda: actions.change_role(
                by=first, user=worker, role="team_lead", seen_role="link_worker"
            ),
            lambda: actions.change_role(
                by=second, user=worker, role="directory_editor", seen_role="link_worker"
            ),
        ]
    )
    assert sum(isinstance(r, User) for r in results) == 1, results
    assert sum(isinstance(r, ConcurrentChange) for r in results) == 1, results
    assert AuditEvent.objects.filter(verb="change_role", object_id=str(worker.pk)).count() == 1
    connection.close()


# Switch off a leaver


def test_a_leaver_switched_off_is_signed_out_at_once_everywhere(
    service_admin, link_worker, active_referral
):
    laptop, phone = signed_in(link_worker), signed_in(link_worker)
    caseload = reverse("casework:caseload")
    assert laptop.get(caseload).status_code == 200
    admin = signed_in(service_admin)
    confirm = admin.get(reverse("administration:switch_off", args=[link_worker.pk]))
    # The administrator is told how many open cases they hold, and never whose.
    assert "1 open case" in confirm.content.decode()
    assert active_referral.person.full_name not in confirm.content.decode()
    response = admin.post(reverse("administration:switch_off", args=[link_worker.pk]))
    assert response.status_code == 302 and response["Location"] == page(link_worker)
    # Their next request, in either browser, is signed out and sent to sign in.
    for browser in (laptop, phone):
        response = browser.get(caseload)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert "_auth_user_id" not in browser.session
    link_worker.refresh_from_db()
    assert not link_worker.is_active
    assert link_worker.switched_off_reason == SwitchedOffReason.LEFT
    event = events("switch_off_account", link_worker).get()
    assert event.actor == service_admin and event.detail["open_cases"] == 1
    assert "Switched off" in admin.get(page(link_worker)).content.decode()


def test_a_switched_off_account_cannot_sign_in_or_use_a_set_up_link(service_admin, link_worker):
    token = actions.issue_set_up_link(by=service_admin, user=link_worker)
    actions.switch_off_account(by=service_admin, user=link_worker)
    assert SetUpLink.objects.get(user=link_worker).revoked_at is not None
    browser = Client()
    response = browser.post(
        reverse("accounts:login"), {"username": link_worker.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in browser.session
    with pytest.raises(ActionError):
        actions.complete_set_up(token=token, password="a long new passphrase for me")


def test_switching_off_needs_a_recent_confirmation(client, service_admin, link_worker):
    client.force_login(service_admin)
    session = client.session
    session[reauth.CONFIRMED_AT] = (timezone.now() - timedelta(hours=1)).timestamp()
    session.save()
    url = reverse("administration:switch_off", args=[link_worker.pk])
    assert client.post(url)["Location"].startswith(reverse("accounts:confirm_its_you"))
    link_worker.refresh_from_db()
    assert link_worker.is_active


def test_nobody_switches_off_their_own_account(client, service_admin):
    client.force_login(service_admin)
    url = reverse("administration:switch_off", args=[service_admin.pk])
    assert "cannot switch off your own account" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    service_admin.refresh_from_db()
    assert service_admin.is_active


def test_switching_off_twice_is_told_and_audited_once(client, service_admin, link_worker, area):
    colleague = administrator("colleague@example.nhs.uk", "Col League", area)
    assert actions.switch_off_account(by=colleague, user=link_worker) is True
    client.force_login(service_admin)
    # The page the administrator had open still had the button.
    response = client.post(reverse("administration:switch_off", args=[link_worker.pk]), follow=True)
    assert "was already switched off" in response.content.decode()
    assert events("switch_off_account", link_worker).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_administrators_switching_off_at_once_switch_off_once(area, service):
    first = administrator("first@example.nhs.uk", "First Admin", area)
    second = administrator("second@example.nhs.uk", "Second Admin", area)
    worker = factories.user(organisation=service, role="link_worker")
    results = race(
        [
            lambda: actions.switch_off_account(by=first, user=worker),
            lambda: actions.switch_off_account(by=second, user=worker),
        ]
    )
    assert sorted(results) == [False, True], results
    worker.refresh_from_db()
    assert worker.session_generation == 1
    assert (
        AuditEvent.objects.filter(verb="switch_off_account", object_id=str(worker.pk)).count() == 1
    )
    connection.close()


def test_the_team_lead_sees_a_leavers_open_cases_to_reallocate(
    client, service_admin, team_lead, link_worker, other_link_worker, active_referral
):
    client.force_login(team_lead)
    assert "To reallocate" not in client.get(reverse("casework:team")).content.decode()
    actions.switch_off_account(by=service_admin, user=link_worker)
    before = AuditEvent.objects.aggregate(last=Max("id"))["last"]
    response = client.get(reverse("casework:team"))
    text = response.content.decode()
    assert "To reallocate" in text
    assert active_referral.person.full_name in text
    assert reverse("referrals:allocate", args=[active_referral.pk]) in text
    # Naming the person is a read of their record: audited.
    listed = AuditEvent.objects.filter(pk__gt=before, verb="list_to_reallocate", actor=team_lead)
    assert listed.get().people.filter(person_id=active_referral.person_id).exists()
    # Reallocated through the existing page: off the list.
    response = client.post(
        reverse("referrals:allocate", args=[active_referral.pk]),
        {"worker": other_link_worker.pk, "version": active_referral.version},
    )
    assert response.status_code == 302
    assert "To reallocate" not in client.get(reverse("casework:team")).content.decode()


def test_a_link_worker_given_another_role_leaves_cases_to_reallocate(
    client, service_admin, team_lead, link_worker, active_referral
):
    actions.change_role(
        by=service_admin, user=link_worker, role="directory_editor", seen_role="link_worker"
    )
    client.force_login(team_lead)
    text = client.get(reverse("casework:team")).content.decode()
    assert "To reallocate" in text and "Now directory editor" in text


def test_another_services_team_lead_does_not_see_them(
    client, service_admin, link_worker, active_referral, area
):
    elsewhere = factories.user(organisation=factories.service(area=area), role="team_lead")
    actions.switch_off_account(by=service_admin, user=link_worker)
    client.force_login(elsewhere)
    assert (
        active_referral.person.full_name
        not in client.get(reverse("casework:team")).content.decode()
    )


# Switch back on


def test_switched_back_on_they_sign_in_but_old_sessions_stay_ended(
    client, service_admin, link_worker
):
    old_browser = signed_in(link_worker)
    actions.switch_off_account(by=service_admin, user=link_worker)
    client.force_login(service_admin)
    response = client.post(reverse("administration:switch_on", args=[link_worker.pk]))
    assert response.status_code == 302 and response["Location"] == page(link_worker)
    link_worker.refresh_from_db()
    assert link_worker.is_active and link_worker.switched_off_at is None
    assert events("switch_on_account", link_worker).get().actor == service_admin
    # The browser signed in before the switch-off made no request since: still signed out.
    response = old_browser.get(reverse("casework:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    # A fresh sign-in works.
    assert signed_in(link_worker).get(reverse("casework:caseload")).status_code == 200
    # Pressing the button again is harmless.
    response = client.post(reverse("administration:switch_on", args=[link_worker.pk]), follow=True)
    assert "was already switched on" in response.content.decode()
    assert events("switch_on_account", link_worker).count() == 1


def test_switching_on_is_post_only_and_needs_a_recent_confirmation(
    client, service_admin, link_worker
):
    actions.switch_off_account(by=service_admin, user=link_worker)
    client.force_login(service_admin)
    url = reverse("administration:switch_on", args=[link_worker.pk])
    assert client.get(url).status_code == 405
    session = client.session
    session[reauth.CONFIRMED_AT] = (timezone.now() - timedelta(hours=1)).timestamp()
    session.save()
    assert client.post(url)["Location"].startswith(reverse("accounts:confirm_its_you"))
    link_worker.refresh_from_db()
    assert not link_worker.is_active


def test_sessions_from_before_generations_existed_keep_working(client, link_worker):
    from accounts.sessions import GENERATION

    client.force_login(link_worker)
    session = client.session
    del session[GENERATION]
    session.save()
    assert client.get(reverse("casework:caseload")).status_code == 200


def test_a_stale_session_row_is_emptied_when_next_used(service_admin, link_worker):
    browser = signed_in(link_worker)
    key = browser.session.session_key
    actions.switch_off_account(by=service_admin, user=link_worker)
    browser.get(reverse("casework:caseload"))
    assert not Session.objects.filter(session_key=key).exists()


# Reset the second factor, from the page


def test_the_reset_button_resets_and_comes_back_here(client, service_admin, link_worker):
    client.force_login(service_admin)
    text = client.get(page(link_worker)).content.decode()
    assert reverse("accounts:reset_second_factor", args=[link_worker.pk]) in text
    response = client.post(
        reverse("accounts:reset_second_factor", args=[link_worker.pk]), {"next": page(link_worker)}
    )
    assert response["Location"] == page(link_worker)
    assert "Not set up" in client.get(page(link_worker)).content.decode()


def test_open_cases_count_only_cases_still_held(service_admin, link_worker, active_referral):
    assert lifecycle.open_cases_of(link_worker).count() == 1
