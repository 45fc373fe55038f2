"""The system administrator's pages: areas and their service administrators."""

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEvent
from core.permissions import Role
from organisations.models import Area

pytestmark = pytest.mark.django_db


def test_system_admin_lands_on_areas(client, system_admin):
    client.force_login(system_admin)
    assert client.get(reverse("core:home"))["Location"] == reverse("administration:areas")


def test_areas_list_leaves_out_the_operator(client, system_admin, area):
    client.force_login(system_admin)
    page = client.get(reverse("administration:areas")).content.decode()
    assert area.name in page
    table = page.split("<table", 1)[1]
    assert "Operator of this installation" not in table and ">OPERATOR<" not in table


@pytest.mark.parametrize(
    ("code", "codes", "stored"),
    [
        ("qpm", "", ["QPM"]),
        ("E54000059", "15e 78h", ["15E", "78H"]),
        ("QPM", "78H, QPM", ["78H", "QPM"]),
    ],
)
def test_system_admin_creates_an_area(client, system_admin, code, codes, stored):
    client.force_login(system_admin)
    response = client.post(
        reverse("administration:new_area"),
        {"name": " NHS  Somewhere ICB ", "code": code, "commissioner_codes": codes},
    )
    area = Area.objects.get(name="NHS Somewhere ICB")
    assert response["Location"] == reverse("administration:area", kwargs={"pk": area.pk})
    assert area.code == code.upper()
    assert area.ods_commissioner_codes == stored
    assert AuditEvent.objects.filter(verb="create_area", actor=system_admin).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "X", "code": "E12"}, "ODS code (3 characters starting with Q"),
        ({"name": "X", "code": "ABC"}, "ODS code (3 characters starting with Q"),
        ({"name": "X", "code": "E5400005"}, "ODS code (3 characters starting with Q"),
        ({"name": "", "code": "QPM"}, "s name"),
        ({"name": "X", "code": "QPM", "commissioner_codes": "15E !!"}, "!! is not an ODS"),
    ],
)
def test_bad_areas_are_refused(client, system_admin, data, message):
    client.force_login(system_admin)
    response = client.post(reverse("administration:new_area"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Area.objects.filter(operator=False).exists()


def test_duplicate_area_code_is_refused(client, system_admin):
    client.force_login(system_admin)
    client.post(reverse("administration:new_area"), {"name": "First", "code": "QPM"})
    response = client.post(reverse("administration:new_area"), {"name": "New", "code": "qpm"})
    assert "already an area with the code" in response.content.decode()


def test_system_admin_adds_a_service_admin_and_sees_the_link_once(client, system_admin, area):
    client.force_login(system_admin)
    url = reverse("administration:area", kwargs={"pk": area.pk})
    response = client.post(url, {"full_name": "Sue Service", "email": "sue@example.nhs.uk"})
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "/accounts/set-up/" in page
    user = User.objects.get(email="sue@example.nhs.uk")
    assert user.role == Role.SERVICE_ADMIN and user.organisation.area == area
    assert "/accounts/set-up/" not in client.get(url).content.decode()
    # The link works for the new person.
    link = page.split("/accounts/set-up/", 1)[1].split("/", 1)[0]
    client.logout()
    assert client.get(reverse("accounts:set_up_start", args=[link])).status_code == 302


def test_adding_an_existing_email_is_refused(client, system_admin, area, link_worker):
    client.force_login(system_admin)
    url = reverse("administration:area", kwargs={"pk": area.pk})
    response = client.post(url, {"full_name": "Dup", "email": link_worker.email.upper()})
    assert "already an account" in response.content.decode()
    assert "/accounts/set-up/" not in response.content.decode()


def test_operator_area_is_not_an_area_page(client, system_admin):
    client.force_login(system_admin)
    operator = Area.objects.get(operator=True)
    assert client.get(reverse("administration:area", kwargs={"pk": operator.pk})).status_code == 404


@pytest.mark.parametrize("persona", ["service_admin", "link_worker", "team_lead", "commissioner"])
def test_only_system_admins_manage_areas(client, request, persona, area):
    client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("administration:areas"),
        reverse("administration:new_area"),
        reverse("administration:area", kwargs={"pk": area.pk}),
    ]:
        assert client.get(url).status_code == 403
        assert (
            client.post(
                url, {"name": "X", "code": "QXX", "full_name": "X", "email": "x@example.nhs.uk"}
            ).status_code
            == 403
        )
    assert not User.objects.filter(email="x@example.nhs.uk").exists()
    assert not Area.objects.filter(code="QXX").exists()
