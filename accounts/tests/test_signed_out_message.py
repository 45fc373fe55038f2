"""Someone whose session is ended from elsewhere (their account switched off, or all their
sessions ended: switched back on, their identity provider signing them out) is told on the
sign-in page they land on that they have been signed out; nobody else is."""

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.actions import switch_off_account
from accounts.models import User
from accounts.sessions import SIGNED_OUT_MESSAGE
from administration.tests.conftest import administrator

pytestmark = pytest.mark.django_db

MESSAGE = "You have been signed out"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("casework:caseload")).status_code == 200
    return client


def lands_on_sign_in(client) -> str:
    response = client.get(reverse("casework:caseload"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    return response.content.decode()


def test_a_leaver_switched_off_mid_session_is_told(area, link_worker):
    client = signed_in(link_worker)
    switch_off_account(
        by=administrator("svc@example.nhs.uk", "Sid Service", area), user=link_worker
    )

    page = lands_on_sign_in(client)

    assert MESSAGE in page and SIGNED_OUT_MESSAGE.split(". ")[1] in page
    # Told once: the next visit to the sign-in page is an ordinary one.
    assert MESSAGE not in client.get(reverse("accounts:login")).content.decode()


def test_a_session_ended_from_elsewhere_is_told(link_worker):
    client = signed_in(link_worker)
    User.objects.filter(pk=link_worker.pk).update(session_generation=F("session_generation") + 1)

    assert MESSAGE in lands_on_sign_in(client)


def test_nobody_else_is(client, link_worker):
    # A visitor, and someone who signed out themselves, see the ordinary sign-in page.
    assert MESSAGE not in lands_on_sign_in(client)
    client = signed_in(link_worker)
    client.post(reverse("accounts:logout"))
    assert MESSAGE not in lands_on_sign_in(client)
