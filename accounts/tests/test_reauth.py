"""Confirm it's you: sensitive actions need a password typed in the last 15 minutes.

Which test proves which requirement (issue 14, "re-authentication before sensitive actions"):
- sign-in counts as confirming: test_straight_after_sign_in_an_extract_downloads
- after 15 minutes, asked again and brought back:
  test_after_15_minutes_a_download_asks_to_confirm_first
- recipients (create, revoke) too: test_after_15_minutes_adding_a_recipient_asks_first,
  test_after_15_minutes_revoking_asks_first
- unsafe next refused: test_an_unsafe_next_address_is_never_followed
- wrong passwords counted, audited, and end the session: test_wrong_passwords_sign_out_after_five
- the permission comes first: test_someone_without_the_permission_is_refused_not_asked
"""

from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import reauth
from accounts.tests.password_support import sign_in
from core.models import AuditEvent
from reporting.actions import add_extract_recipient
from reporting.models import ExtractRecipient
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
CONFIRM = reverse("accounts:confirm_its_you")


@pytest.fixture
def recipient(team_lead):
    return add_extract_recipient(
        by=team_lead, name="Evaluators", purpose="Evaluation", agreement_reference="DSA1"
    )


def later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def download_url(recipient):
    return reverse("reporting:extract_download", args=[recipient.pk])


def asked_to_confirm(response, back_to=None) -> bool:
    if response.status_code != 302 or not response["Location"].startswith(CONFIRM):
        return False
    if back_to is not None:
        from urllib.parse import parse_qs, urlsplit

        assert parse_qs(urlsplit(response["Location"]).query)["next"] == [back_to]
    return True


def test_straight_after_sign_in_an_extract_downloads(client, team_lead, recipient):
    response = sign_in(client, team_lead).get(download_url(recipient))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_after_15_minutes_a_download_asks_to_confirm_first(client, team_lead, recipient):
    sign_in(client, team_lead)
    wanted = download_url(recipient) + "?first=&last="
    with later(14):
        assert client.get(wanted).status_code == 200
    with later(16):
        response = client.get(wanted)
        assert asked_to_confirm(response, back_to=wanted)
        assert "<h1>Confirm it" in client.get(response["Location"]).content.decode()
        back = client.post(CONFIRM, {"password": PASSWORD, "next": wanted})
        assert back["Location"] == wanted
        assert client.get(wanted).status_code == 200
    assert AuditEvent.objects.filter(actor=team_lead, verb="confirm_its_you").count() == 1


def test_confirming_lasts_15_minutes_from_then(client, team_lead, recipient):
    sign_in(client, team_lead)
    with later(20):
        client.post(CONFIRM, {"password": PASSWORD})
    with later(34):
        assert client.get(download_url(recipient)).status_code == 200
    with later(36):
        assert asked_to_confirm(client.get(download_url(recipient)))


def test_after_15_minutes_adding_a_recipient_asks_first(client, team_lead):
    sign_in(client, team_lead)
    with later(16):
        response = client.post(
            reverse("reporting:extracts"),
            {"name": "Uni", "purpose": "Evaluation", "agreement_reference": "DSA2"},
        )
        assert asked_to_confirm(response, back_to=reverse("reporting:extracts"))
        assert not ExtractRecipient.objects.filter(name="Uni").exists()
        assert asked_to_confirm(client.get(reverse("reporting:extracts")))


def test_after_15_minutes_revoking_asks_first(client, team_lead, recipient):
    sign_in(client, team_lead)
    with later(16):
        response = client.post(reverse("reporting:extract_revoke", args=[recipient.pk]))
        assert asked_to_confirm(response, back_to=reverse("reporting:extracts"))
    recipient.refresh_from_db()
    assert recipient.revoked_at is None


def test_someone_without_the_permission_is_refused_not_asked(client, link_worker, recipient):
    sign_in(client, link_worker)
    with later(16):
        assert client.get(reverse("reporting:extracts")).status_code == 403


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/figures/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "https:///evil.example",
    ],
)
def test_an_unsafe_next_address_is_never_followed(client, team_lead, unsafe):
    sign_in(client, team_lead)
    response = client.post(f"{CONFIRM}?next={unsafe}", {"password": PASSWORD})
    assert response["Location"] == reverse("core:home")
    page = client.get(CONFIRM, {"next": unsafe}).content.decode()
    assert "evil.example" not in page


def test_the_confirm_page_needs_sign_in(client):
    response = client.get(CONFIRM)
    assert response["Location"].startswith(reverse("accounts:login"))


def test_wrong_passwords_sign_out_after_five(client, team_lead):
    sign_in(client, team_lead)
    for _ in range(reauth.MAX_FAILURES - 1):
        response = client.post(CONFIRM, {"password": "not the password"})
        assert response.status_code == 200
        assert "Your password is not right" in response.content.decode()
    assert AuditEvent.objects.filter(actor=team_lead, verb="confirm_its_you_failed").count() == 4
    response = client.post(CONFIRM, {"password": "not the password"})
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(CONFIRM)["Location"].startswith(reverse("accounts:login"))


def test_an_empty_password_is_named_not_counted(client, team_lead):
    sign_in(client, team_lead)
    response = client.post(CONFIRM, {"password": ""})
    assert "Enter your password" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="confirm_its_you_failed").exists()


def test_the_decorator_form(team_lead):
    calls = []

    @reauth.require_recent_auth(max_age=timedelta(minutes=5), return_to="reporting:extracts")
    def sensitive(request):
        calls.append(request)
        return HttpResponse("done")

    request = RequestFactory().get("/somewhere/?x=1")
    request.user = team_lead
    request.session = {}
    assert asked_to_confirm(sensitive(request), back_to="/somewhere/?x=1")
    reauth.mark_confirmed(request)
    assert sensitive(request).content == b"done"
    with later(6):
        posted = RequestFactory().post("/somewhere/")
        posted.user, posted.session = team_lead, request.session
        assert asked_to_confirm(sensitive(posted), back_to=reverse("reporting:extracts"))
    assert len(calls) == 1
