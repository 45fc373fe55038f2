from html import unescape

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests import second_factor
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_in_lands_on_role_start_page_and_is_audited(client, link_worker):
    response = sign_in(client, link_worker.email.upper(), PASSWORD)
    assert response.status_code == 302
    # The password is the first step; the code from the authenticator app the second.
    assert response["Location"].startswith(reverse("accounts:second_factor_verify"))
    response = client.post(response["Location"], {"code": second_factor.code(link_worker)})
    assert client.get(response["Location"])["Location"] == reverse("casework:caseload")
    assert AuditEvent.objects.filter(actor=link_worker, verb="sign_in").exists()


def test_sign_in_wrong_password_says_so(client, link_worker):
    response = sign_in(client, link_worker.email, "wrong")
    assert "Enter a correct email address and password" in unescape(response.content.decode())


def test_sign_in_empty_names_fields(client, db):
    body = unescape(sign_in(client, "", "").content.decode())
    assert "Enter your email address" in body
    assert "Enter your password" in body


def test_sign_in_locked_after_five_failures_even_with_right_password(client, link_worker):
    for _ in range(5):
        sign_in(client, link_worker.email, "wrong")
    response = sign_in(client, link_worker.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in unescape(response.content.decode())


def test_sign_out_needs_post_and_ends_session(client, link_worker):
    client.force_login(link_worker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("casework:caseload")).status_code == 302


def test_session_expires_after_idle_time(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST  # touched once a minute: core/middleware.py
