"""The second factor's pages and its enforcement: set-up at first sign-in, a code from then
on, recovery codes, demo accounts (non-production only) and an administrator's reset."""

import re
import uuid
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import actions
from accounts.models import User
from core.errors import ActionError
from core.models import AuditEvent
from core.permissions import Role
from notifications.models import Message
from organisations.actions import area_office, operator_organisation
from tests import factories, second_factor
from tests.factories import PASSWORD
from tests.test_url_permissions import ROUTES

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:second_factor_verify")
SET_UP = reverse("accounts:second_factor_set_up")
# The pages a session that has passed only the password may reach.
EXEMPT = {
    "accounts:logout",
    "accounts:second_factor_verify",
    "accounts:second_factor_set_up",
    # Signing in through single sign-on is a way to the second factor, not past it.
    "accounts:oidc_start",
    "accounts:oidc_callback",
}


def sign_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def text(response):
    return unescape(response.content.decode())


def fake_url(name, route):
    kwargs = {}
    for kind, key in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        kwargs[key] = {"uuid": uuid.uuid4(), "int": 1}.get(kind, "x")
    return reverse(name, kwargs=kwargs or None)


def test_password_alone_leads_to_the_code_page_not_in(client, link_worker):
    response = sign_in(client, link_worker)
    assert response["Location"].startswith(VERIFY)
    assert "next=" in response["Location"]
    assert client.get(reverse("casework:caseload"))["Location"].startswith(VERIFY)


def test_unverified_session_is_refused_on_every_page(client, link_worker):
    client.force_login(link_worker, second_factor=False)
    for name, route in sorted(ROUTES.items()):
        if name in EXEMPT:
            continue
        url = fake_url(name, route)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(VERIFY), name
    assert client.get(VERIFY).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_first_sign_in_sets_up_an_authenticator_with_recovery_codes(client, service):
    person = factories.user(organisation=service, role="link_worker", second_factor=False)
    response = sign_in(client, person)
    assert response["Location"].startswith(SET_UP)
    page = client.get(response["Location"])
    body = text(page)
    assert "<svg" in body and 'role="img"' in body
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", body).group(1)
    # The key typed by hand is the one in the QR code, and reloading never changes it.
    assert secret.replace(" ", "") in device.config_url
    assert secret in text(client.get(SET_UP))

    wrong = client.post(SET_UP, {"code": "000000", "next": "/"})
    assert "The code is not right" in text(wrong)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        response = client.post(SET_UP, {"code": second_factor.code(device=device), "next": "/"})
        assert response["Location"].startswith(reverse("accounts:recovery_codes"))
        codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    download = client.get(reverse("accounts:recovery_codes_download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert all(c in download.content.decode() for c in codes)
    # Shown once: after "I have saved them" they are gone from the session.
    assert client.post(reverse("accounts:recovery_codes"), {"next": "/"}).status_code == 302
    assert client.get(reverse("accounts:recovery_codes_download")).status_code == 404
    assert codes[0] not in text(client.get(reverse("accounts:recovery_codes")))
    assert client.get(reverse("casework:caseload")).status_code == 200
    assert AuditEvent.objects.filter(actor=person, verb="second_factor_set_up").exists()


def test_right_code_signs_in_and_goes_where_they_were_going(client, link_worker, referral):
    url = reverse("casework:caseload")
    response = client.get(url)
    response = client.post(
        reverse("accounts:login") + f"?next={url}",
        {"username": link_worker.email, "password": PASSWORD, "next": url},
    )
    verify_url = response["Location"]
    response = client.post(verify_url, {"code": second_factor.code(link_worker), "next": url})
    assert response["Location"] == url
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(actor=link_worker, verb="second_factor_passed").exists()


def test_a_code_cannot_be_used_twice(link_worker):
    device = second_factor.authenticator(link_worker)
    code = second_factor.code(device=device)
    first, second = Client(), Client()
    sign_in(first, link_worker)
    sign_in(second, link_worker)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    response = second.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "Each code works once" in text(response)


def test_wrong_codes_are_throttled_with_a_clear_message(client, link_worker):
    sign_in(client, link_worker)
    assert "The code is not right" in text(client.post(VERIFY, {"code": "123456"}))
    # The back-off (1, 2, 4… seconds) now refuses even the right code, unchecked.
    response = client.post(VERIFY, {"code": second_factor.code(link_worker)})
    assert re.search(r"Too many wrong codes\. Wait [12] seconds? and try again", text(response))
    assert client.get(reverse("casework:caseload"))["Location"].startswith(VERIFY)
    assert AuditEvent.objects.filter(verb="second_factor_failed", detail__outcome="throttled")


def test_a_recovery_code_works_once(client, link_worker):
    codes = actions.regenerate_recovery_codes(by=link_worker)
    sign_in(client, link_worker)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("casework:caseload")).status_code == 200
    other = Client()
    sign_in(other, link_worker)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        assert "The code is not right" in text(other.post(VERIFY, {"code": codes[0]}))
    assert StaticToken.objects.count() == 9


def test_new_recovery_codes_need_the_password_and_a_code(client, link_worker):
    old = actions.regenerate_recovery_codes(by=link_worker)
    client.force_login(link_worker)
    url = reverse("accounts:new_recovery_codes")
    response = client.post(url, {"password": "wrong", "code": second_factor.code(link_worker)})
    assert "The password is not right" in text(response)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        response = client.post(url, {"password": PASSWORD, "code": second_factor.code(link_worker)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)


@pytest.mark.parametrize("nonprod", [True, False])
def test_demo_accounts_skip_the_second_factor_only_outside_production(
    client, settings, service, nonprod
):
    settings.LINKWORK_NONPROD = nonprod
    demo = factories.user(organisation=service, role="link_worker", second_factor=False)
    User.objects.filter(pk=demo.pk).update(is_demo=True)
    response = sign_in(client, demo)
    caseload = client.get(reverse("casework:caseload"))
    if nonprod:
        assert not response["Location"].startswith(SET_UP)
        assert caseload.status_code == 200
    else:
        assert response["Location"].startswith(SET_UP)
        assert caseload["Location"].startswith(SET_UP)


def test_demo_accounts_cannot_be_made_in_production(settings, link_worker):
    settings.LINKWORK_NONPROD = False
    with pytest.raises(ActionError):
        actions.mark_demo_accounts(by=None, users=[link_worker])
    with pytest.raises(ActionError):
        actions.give_demo_authenticator(by=None, user=link_worker, secret="JBSWY3DPEHPK3PXP")


def service_admin(area):
    office = area_office(by=None, area=area)
    return factories.user(organisation=office, role=Role.SERVICE_ADMIN)


def system_admin():
    return factories.user(organisation=operator_organisation(by=None), role=Role.SYSTEM_ADMIN)


def test_an_administrator_resets_a_second_factor_audited_and_emailed(
    client, area, link_worker, team_lead
):
    admin = service_admin(area)
    actions.regenerate_recovery_codes(by=link_worker)
    url = reverse("accounts:reset_second_factor", args=[link_worker.pk])
    client.force_login(team_lead)
    assert client.post(url).status_code == 403
    client.force_login(admin)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=link_worker).exists()
    assert not StaticToken.objects.filter(device__user=link_worker).exists()
    assert AuditEvent.objects.filter(
        actor=admin, verb="reset_second_factor", object_id=str(link_worker.pk)
    ).exists()
    email = Message.objects.get(to=link_worker.email)
    assert email.template.code == "second_factor_reset"
    assert admin.full_name in email.body
    # Their next sign-in sets up a new authenticator.
    other = Client()
    assert sign_in(other, link_worker)["Location"].startswith(SET_UP)


def test_reset_stays_in_the_administrators_area(client, area, link_worker):
    elsewhere = service_admin(factories.area())
    client.force_login(elsewhere)
    url = reverse("accounts:reset_second_factor", args=[link_worker.pk])
    assert client.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=link_worker).exists()
    with pytest.raises(ActionError):
        actions.reset_second_factor(by=elsewhere, user=link_worker)
    # The installation's system administrator may reset anyone's.
    client.force_login(system_admin())
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=link_worker).exists()


def test_a_session_from_before_a_reset_cannot_set_up_a_new_authenticator(area, link_worker):
    held = Client()
    held.force_login(link_worker)
    assert held.get(reverse("casework:caseload")).status_code == 200  # the sign-in time is kept
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=2)):
        actions.reset_second_factor(by=service_admin(area), user=link_worker)
        assert held.get(reverse("casework:caseload"))["Location"].startswith(SET_UP)
        response = held.get(SET_UP)
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not TOTPDevice.objects.filter(user=link_worker).exists()
