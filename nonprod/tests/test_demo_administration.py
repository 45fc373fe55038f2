"""The demo's administrators sign in with the documented password and their pages show
something: invitations waiting and expired, a switched-off leaver whose cases the team lead
sees to reallocate, and the system administrator's areas."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.permissions import Role
from nonprod import demo
from nonprod import demo_administration as admin

pytestmark = pytest.mark.django_db


def signed_in(email) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": demo.PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


def test_the_demo_administrators_have_something_to_administer(settings):
    settings.LINKWORK_NONPROD = True
    demo.load(people=5, activities=10, history=0, progress=lambda message: None)

    sysadmin = User.objects.get(email=f"sysadmin@{demo.EMAIL_DOMAIN}")
    serviceadmin = User.objects.get(email=f"serviceadmin@{demo.EMAIL_DOMAIN}")
    assert sysadmin.role == Role.SYSTEM_ADMIN and serviceadmin.role == Role.SERVICE_ADMIN
    assert serviceadmin.organisation.area.code == demo.AREA_CODE
    # Documented logins: demo accounts, printed by load_demo, second factor skipped.
    assert sysadmin.is_demo and serviceadmin.is_demo
    printed = {login.email: login for login in demo.logins()}
    assert printed[sysadmin.email].role == "System administrator"
    assert printed[serviceadmin.email].organisation == "NHS Northamptonshire ICB"
    # Neither the invited nor the leaver is a login.
    assert not [e for e in printed if admin.INVITED_DOMAIN in e or "walker" in e]

    service = signed_in(serviceadmin.email)
    invitations = service.get(reverse("administration:invitations")).content.decode()
    for full_name, *_ in admin.INVITED:
        assert full_name in invitations
    assert "Waiting" in invitations and "Expired" in invitations
    leaver = User.objects.get(full_name=admin.LEAVER[1])
    assert not leaver.is_active
    staff = service.get(reverse("administration:staff_member", args=[leaver.pk]))
    assert staff.status_code == 200 and "switched off" in staff.content.decode().lower()

    lead = signed_in(f"teamlead@{demo.EMAIL_DOMAIN}")
    team = lead.get(reverse("casework:team")).content.decode()
    assert "To reallocate" in team and admin.LEAVER[1] in team
    assert leaver.caseload.count() == admin.LEAVER_CASES

    areas = signed_in(sysadmin.email).get(reverse("administration:areas")).content.decode()
    assert demo.AREA_NAME in areas
