"""Forgotten password: an emailed one-time link, valid for an hour, that tells nobody whether
an address has an account, cannot be used to flood an inbox, and ends every session.

Which test proves which requirement (issue 14, "Password reset"):
- a link from the sign-in page: test_the_sign_in_page_links_to_forgotten_password
- no account enumeration (same bytes, same work):
  test_known_and_unknown_addresses_get_the_same_answer,
  test_known_and_unknown_addresses_cost_the_same_queries
- the email goes through GOV.UK Notify: test_the_link_is_emailed_through_notify
- switched-off accounts get nothing: test_a_switched_off_account_is_sent_nothing,
  test_switching_an_account_off_ends_links_already_sent
- one-time, an hour, tamper-proof: test_a_link_works_once, test_a_link_expires_after_an_hour,
  test_a_tampered_link_does_not_work
- sessions ended, audited, told: test_resetting_ends_every_other_session,
  test_a_reset_is_audited_and_the_person_told
- throttled: test_one_account_gets_at_most_three_emails_an_hour,
  test_one_network_address_is_limited
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import passwords
from accounts.models import User
from accounts.tests.password_support import link_in, page_text, reset_emails, sign_in
from core.models import AuditEvent
from notifications.models import Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a kettle of fish on the windowsill"


def ask_for_link(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def emailed_link(client, user, run_tasks) -> str:
    assert ask_for_link(client, user.email).status_code == 302
    run_tasks()
    return link_in(reset_emails(user).latest("created_at"))


def set_new_password(client, link, password=NEW_PASSWORD):
    landing = client.get(link)
    assert landing.status_code == 302, "a good link moves its token out of the address"
    form_url = landing["Location"]
    assert "set-password" in form_url
    return client.post(form_url, {"new_password": password, "new_password_again": password})


def test_the_sign_in_page_links_to_forgotten_password(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in page
    assert "Forgotten your password?" in page


def test_anyone_can_reach_the_reset_pages(client):
    for name in ("password_reset", "password_reset_sent", "password_reset_complete"):
        assert client.get(reverse(f"accounts:{name}")).status_code == 200, name


def test_known_and_unknown_addresses_get_the_same_answer(link_worker):
    known, unknown = Client(), Client()
    a = ask_for_link(known, link_worker.email)
    b = ask_for_link(unknown, "nobody-here@example.nhs.uk")
    assert a.status_code == b.status_code == 302
    assert a["Location"] == b["Location"] == reverse("accounts:password_reset_sent")
    assert a.content == b.content
    assert page_text(known.get(a["Location"])) == page_text(unknown.get(b["Location"]))


def test_known_and_unknown_addresses_cost_the_same_queries(link_worker):
    """The account is looked up by the background task, never while the person waits, so
    the answer takes as long either way."""
    ask_for_link(Client(), "warm-up@example.nhs.uk")  # first-use costs (sessions, templates)
    work = []
    for email in (link_worker.email, "nobody-here@example.nhs.uk"):
        with CaptureQueriesContext(connection) as queries:
            ask_for_link(Client(), email)
        work.append([q["sql"].split(" ")[0] for q in queries.captured_queries])
    assert work[0] == work[1]
    assert not any("accounts_user" in q for q in work[0])


def test_the_link_is_emailed_through_notify(client, link_worker, run_tasks, notify):
    ask_for_link(client, link_worker.email.upper())  # the one normal form finds the account
    run_tasks()
    [sent] = notify.sent_to(link_worker.email)
    assert sent["subject"] == "Reset your linkwork password"
    assert "/accounts/password/reset/" in sent["body"]
    assert "works once, for 1 hour" in sent["body"]
    assert reset_emails(link_worker).get().status in (Message.Status.SENT, Message.Status.DELIVERED)


def test_an_unknown_address_is_sent_nothing(client, run_tasks):
    ask_for_link(client, "nobody-here@example.nhs.uk")
    run_tasks()
    assert not Message.objects.filter(template__code="password_reset").exists()


def test_a_switched_off_account_is_sent_nothing(client, link_worker, run_tasks):
    User.objects.filter(pk=link_worker.pk).update(is_active=False)
    ask_for_link(client, link_worker.email)
    run_tasks()
    assert not reset_emails(link_worker).exists()


def test_a_badly_typed_address_is_named(client):
    response = ask_for_link(client, "not an address")
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()


def test_resetting_sets_the_new_password(client, link_worker, run_tasks):
    link = emailed_link(client, link_worker, run_tasks)
    response = set_new_password(client, link)
    assert response["Location"] == reverse("accounts:password_reset_complete")
    link_worker.refresh_from_db()
    assert link_worker.check_password(NEW_PASSWORD)
    assert not link_worker.check_password(PASSWORD)


def test_a_new_password_is_checked(client, link_worker, run_tasks):
    link = emailed_link(client, link_worker, run_tasks)
    response = set_new_password(client, link, password="password1234")
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
    link_worker.refresh_from_db()
    assert link_worker.check_password(PASSWORD)


def test_a_link_works_once(client, link_worker, run_tasks):
    link = emailed_link(client, link_worker, run_tasks)
    set_new_password(client, link)
    again = Client().get(link)
    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()


def test_a_link_expires_after_an_hour(link_worker, run_tasks):
    link = emailed_link(Client(), link_worker, run_tasks)
    with time_machine.travel(timezone.now() + timedelta(minutes=59), tick=False):
        assert Client().get(link).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        response = Client().get(link)
        assert "This link does not work" in response.content.decode()


def test_a_tampered_link_does_not_work(client, link_worker, other_link_worker, run_tasks):
    link = emailed_link(client, link_worker, run_tasks)
    prefix, uid, token, _ = link.rsplit("/", 3)
    other_uid = emailed_link(client, other_link_worker, run_tasks).rsplit("/", 3)[1]
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad in (
        f"{prefix}/{uid}/{flipped}/",
        f"{prefix}/{other_uid}/{token}/",  # someone else's account with this token
        f"{prefix}/not-base64!/{token}/",
        f"{prefix}/{uid}/set-password/",  # no token kept in this browser
    ):
        response = Client().get(bad)
        assert response.status_code == 200, bad
        assert "This link does not work" in response.content.decode(), bad


def test_switching_an_account_off_ends_links_already_sent(client, link_worker, run_tasks):
    link = emailed_link(client, link_worker, run_tasks)
    User.objects.filter(pk=link_worker.pk).update(is_active=False)
    assert "This link does not work" in Client().get(link).content.decode()


def test_switching_off_and_back_on_does_not_revive_links_sent_before(
    client, link_worker, run_tasks
):
    from accounts.actions import switch_off_account, switch_on_account
    from administration.tests.conftest import administrator

    service_admin = administrator("svc@example.nhs.uk", "Sid Service", link_worker.area)

    link = emailed_link(client, link_worker, run_tasks)
    switch_off_account(by=service_admin, user=link_worker)
    switch_on_account(by=service_admin, user=User.objects.get(pk=link_worker.pk))
    assert "This link does not work" in Client().get(link).content.decode()


def test_resetting_ends_every_other_session(link_worker, run_tasks):
    elsewhere = sign_in(Client(), link_worker)
    assert elsewhere.get(reverse("accounts:password_change")).status_code == 200
    set_new_password(Client(), emailed_link(Client(), link_worker, run_tasks))
    response = elsewhere.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_reset_is_audited_and_the_person_told(client, link_worker, run_tasks):
    set_new_password(client, emailed_link(client, link_worker, run_tasks))
    assert AuditEvent.objects.filter(verb="password_reset_requested").exists()
    assert AuditEvent.objects.filter(
        verb="send_password_reset_link", object_id=str(link_worker.pk)
    ).exists()
    assert AuditEvent.objects.filter(actor=link_worker, verb="reset_password").exists()
    told = Message.objects.get(to_user=link_worker, template__code="password_changed")
    assert told.subject == "Your linkwork password was changed"
    # The password itself is written nowhere but its hash.
    assert not AuditEvent.objects.filter(detail__icontains=NEW_PASSWORD).exists()


def test_one_account_gets_at_most_three_emails_an_hour(link_worker, run_tasks):
    for i in range(passwords.RESET_EMAILS_PER_ACCOUNT + 2):
        ask_for_link(Client(REMOTE_ADDR=f"192.0.2.{i + 1}"), link_worker.email)
    run_tasks()
    assert reset_emails(link_worker).count() == passwords.RESET_EMAILS_PER_ACCOUNT
    assert AuditEvent.objects.filter(verb="password_reset_limited").count() == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        ask_for_link(Client(), link_worker.email)
        run_tasks()
        assert reset_emails(link_worker).count() == passwords.RESET_EMAILS_PER_ACCOUNT + 1


def test_one_network_address_is_limited(link_worker, run_tasks):
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(passwords.RESET_REQUESTS_PER_ADDRESS):
        assert ask_for_link(sprayer, f"someone{i}@example.nhs.uk").status_code == 302
    refused = ask_for_link(sprayer, link_worker.email)
    assert refused.status_code == 429
    assert "Too many requests for a reset link" in refused.content.decode()
    run_tasks()
    assert not reset_emails(link_worker).exists()
    # Another address is not held up.
    assert ask_for_link(Client(REMOTE_ADDR="192.0.2.10"), link_worker.email).status_code == 302
