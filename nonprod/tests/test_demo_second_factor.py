"""The demo's documented logins skip the second factor; one shows it, with the secret the
README publishes."""

from base64 import b32decode
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import User
from nonprod import demo, demo_second_factor

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def sign_in(client, email):
    return client.post(reverse("accounts:login"), {"username": email, "password": demo.PASSWORD})


def test_demo_logins_skip_the_second_factor_but_one_shows_it(settings):
    settings.LINKWORK_NONPROD = True
    demo.load(people=5, activities=40, history=0, progress=lambda message: None)
    lead2 = User.objects.get(email=f"teamlead2@{demo.EMAIL_DOMAIN}")
    assert not lead2.is_demo
    others = User.objects.filter(email__endswith=f"@{demo.EMAIL_DOMAIN}").exclude(pk=lead2.pk)
    assert others.exists() and not others.filter(is_demo=False).exists()

    client = Client()
    response = sign_in(client, f"teamlead@{demo.EMAIL_DOMAIN}")
    assert not response["Location"].startswith(reverse("accounts:second_factor_verify"))
    assert client.get(reverse("referrals:triage")).status_code == 200

    client = Client()
    response = sign_in(client, lead2.email)
    assert response["Location"].startswith(reverse("accounts:second_factor_verify"))
    secret = demo_second_factor.SECOND_FACTOR_SECRET
    assert f"oathtool --totp -b {secret}" in README.read_text()
    code = f"{totp(b32decode(secret)):06d}"  # what `oathtool --totp -b SECRET` prints
    assert client.post(response["Location"], {"code": code}).status_code == 302
    assert client.get(reverse("referrals:triage")).status_code == 200
    # Loading again (an existing demo) changes nothing.
    demo_second_factor.set_up(
        email_domain=demo.EMAIL_DOMAIN,
        password=demo.PASSWORD,
        service_name=demo_second_factor.SERVICE_NAME,
    )
    assert User.objects.filter(email=lead2.email).count() == 1
