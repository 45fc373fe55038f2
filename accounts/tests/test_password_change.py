"""Changing a password while signed in: the current one first, the new one twice; the
other sessions end, this one goes on; audited; the person is emailed.

Which test proves which requirement (issue 14, "change password"):
- needs sign-in: test_changing_a_password_needs_sign_in
- happy path, emailed, audited: test_a_password_is_changed_audited_and_the_person_told
- other sessions ended: test_changing_ends_other_sessions_but_not_this_one
- the current password is checked and guessing it ends the session:
  test_a_wrong_current_password_changes_nothing, test_guessing_the_current_password_signs_out
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.password_support import sign_in
from core.models import AuditEvent
from notifications.models import Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "seven lanterns over the quiet harbour"
URL = reverse("accounts:password_change")


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        URL,
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_changing_a_password_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_page_links_to_change_password(client, link_worker):
    page = sign_in(client, link_worker).get(URL).content.decode()
    assert f'href="{URL}"' in page


def test_a_password_is_changed_audited_and_the_person_told(client, link_worker):
    response = change(sign_in(client, link_worker))
    assert response.status_code == 302
    link_worker.refresh_from_db()
    assert link_worker.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(actor=link_worker, verb="change_password").exists()
    told = Message.objects.get(to_user=link_worker, template__code="password_changed")
    assert "signed out everywhere else" in told.body
    assert (
        "password has been changed"
        in client.get(response["Location"], follow=True).content.decode()
    )


def test_changing_ends_other_sessions_but_not_this_one(link_worker):
    here, elsewhere = sign_in(Client(), link_worker), sign_in(Client(), link_worker)
    change(here)
    assert here.get(URL).status_code == 200
    signed_out = elsewhere.get(URL)
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("accounts:login"))


def test_a_wrong_current_password_changes_nothing(client, link_worker):
    response = change(sign_in(client, link_worker), current="not my password at all")
    assert response.status_code == 200
    assert "Your current password is not right" in response.content.decode()
    assert NEW_PASSWORD not in response.content.decode()  # never sent back in the page
    link_worker.refresh_from_db()
    assert link_worker.check_password(PASSWORD)


def test_the_new_password_twice_must_match(client, link_worker):
    response = change(sign_in(client, link_worker), again="seven lanterns over the quiet harbor")
    assert "The two new passwords are not the same" in response.content.decode()
    link_worker.refresh_from_db()
    assert link_worker.check_password(PASSWORD)


def test_the_new_password_is_checked_against_the_guidance(client, link_worker):
    User.objects.filter(pk=link_worker.pk).update(full_name="Priya Ramanathan")
    response = change(sign_in(client, link_worker), new="priya ramanathan likes long walks")
    assert "must not contain your name" in response.content.decode()


def test_guessing_the_current_password_signs_out(client, link_worker):
    sign_in(client, link_worker)
    for _ in range(4):
        assert change(client, current="a wrong guess here").status_code == 200
    response = change(client, current="a wrong guess here")
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


def test_a_password_typed_is_never_sent_back_in_a_page(client, link_worker):
    """The sign-in page used to put a wrong password back in its box, in the page's HTML."""
    typed = "secret-typed-wrong-xyz"
    page = client.post(
        reverse("accounts:login"), {"username": link_worker.email, "password": typed}
    )
    assert "Enter a correct email address and password" in page.content.decode()
    assert typed not in page.content.decode()
    page = change(sign_in(client, link_worker), current=typed, new=typed + "-new")
    assert typed not in page.content.decode()
