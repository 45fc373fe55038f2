"""A service administrator's organisation pages: own area only, never a case."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from organisations.actions import update_organisation
from organisations.models import Organisation, PrimaryCareNetwork
from tests import factories
from tests.test_url_permissions import EXPECTED, ROUTES

pytestmark = pytest.mark.django_db

SERVICE = {
    "name": "Northampton Connect",
    "ods_code": "",
    "address": "1 Guildhall Road",
    "postcode": "nn1 1aa",
    "phone": "01604 000002",
    "opening_hours": "Monday to Friday, 9am to 5pm",
    "first_contact_target_days": "3",
    "response_working_days": "10",
    "reminder_working_days": "6",
    "caseload_safe_min": "20",
    "caseload_safe_max": "40",
}


def test_service_admin_lands_on_organisations(client, service_admin):
    client.force_login(service_admin)
    assert client.get(reverse("core:home"))["Location"] == reverse("administration:organisations")


def test_list_by_kind_with_search_and_pages(client, service_admin, area):
    for i in range(55):
        factories.practice(area=area, name=f"Surgery {i:02d}")
    factories.practice(area=factories.area(), name="Surgery elsewhere")
    client.force_login(service_admin)
    url = reverse("administration:organisations")
    first = client.get(url, {"kind": "gp_practice"}).content.decode()
    assert "Surgery 00" in first and "Surgery 54" not in first and "Page 1 of 2" in first
    assert "Surgery 54" in client.get(url, {"kind": "gp_practice", "page": 2}).content.decode()
    found = client.get(url, {"kind": "gp_practice", "q": "surgery 07"}).content.decode()
    assert "Surgery 07" in found and "Surgery 08" not in found
    assert (
        "Surgery elsewhere"
        not in client.get(url, {"kind": "gp_practice", "q": "elsewhere"}).content.decode()
    )
    assert "PCN" in client.get(url, {"kind": "pcn"}).content.decode()
    assert client.get(url, {"kind": "national"}).status_code == 404


def test_create_a_link_worker_service_with_coverage(client, service_admin, area):
    practice = factories.practice(area=area)
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:new_organisation") + "?kind=link_worker_service",
        {**SERVICE, "covers_pcns": [practice.pcn.pk], "covers_practices": [practice.pk]},
    )
    assert response.status_code == 302
    service = Organisation.objects.get(name="Northampton Connect")
    assert service.area == area and service.kind == "link_worker_service"
    assert service.postcode == "NN1 1AA" and service.cell is not None
    assert service.first_contact_target_days == 3 and service.caseload_safe_max == 40
    assert service.opening_hours.startswith("Monday")
    assert list(service.covers_pcns.all()) == [practice.pcn]
    assert list(service.covers_practices.all()) == [practice]
    assert AuditEvent.objects.filter(verb="add_organisation", actor=service_admin).exists()


def test_coverage_cannot_reach_another_area(client, service_admin, area):
    elsewhere = factories.practice(area=factories.area())
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:new_organisation") + "?kind=link_worker_service",
        {**SERVICE, "covers_practices": [elsewhere.pk]},
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(name="Northampton Connect").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reminder_working_days": "10"}, "at least 1 working day before the deadline"),
        ({"caseload_safe_min": "45"}, "lowest figure must not be above"),
        ({"postcode": "nowhere"}, "Enter a full UK postcode"),
        ({"name": ""}, "Enter the name"),
    ],
)
def test_bad_service_details_are_refused(client, service_admin, change, message):
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:new_organisation") + "?kind=link_worker_service",
        {**SERVICE, **change},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Organisation.objects.filter(kind="link_worker_service").exists()


@pytest.mark.parametrize("kind", ["referring_partner", "provider"])
def test_create_partners_and_providers(client, service_admin, area, kind):
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:new_organisation") + f"?kind={kind}",
        {"name": "Age Friendly Town", "postcode": "", "phone": "", "address": ""},
    )
    assert response.status_code == 302
    assert Organisation.objects.get(name="Age Friendly Town").kind == kind


def test_practices_and_other_kinds_are_not_added_by_hand(client, service_admin):
    client.force_login(service_admin)
    for kind in ["gp_practice", "commissioner", "operator", ""]:
        url = reverse("administration:new_organisation") + f"?kind={kind}"
        assert client.get(url).status_code == 404


def test_edit_keeps_the_latest_of_two_administrators(client, service_admin, service):
    client.force_login(service_admin)
    url = reverse("administration:organisation", kwargs={"pk": service.pk})
    assert client.get(url).status_code == 200
    seen = service.version
    update_organisation(by=None, organisation=service, version=seen, name="Renamed by someone")
    response = client.post(url, {**SERVICE, "version": seen, "name": "My name"})
    assert response.status_code == 200
    assert "Someone else changed this organisation" in response.content.decode()
    service.refresh_from_db()
    assert service.name == "Renamed by someone"
    response = client.post(url, {**SERVICE, "version": service.version, "name": "My name"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "My name"
    assert AuditEvent.objects.filter(verb="update_organisation", actor=service_admin).exists()


def test_create_and_rename_a_pcn(client, service_admin, area):
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:new_pcn"), {"name": "Town PCN", "ods_code": "u12345"}
    )
    assert response.status_code == 302
    pcn = PrimaryCareNetwork.objects.get(ods_code="U12345")
    assert pcn.area == area
    bad = client.post(reverse("administration:new_pcn"), {"name": "Other", "ods_code": "12345"})
    assert "U and 5 digits" in bad.content.decode()
    dup = client.post(reverse("administration:new_pcn"), {"name": "Dup", "ods_code": "U12345"})
    assert "already a PCN" in dup.content.decode()
    client.post(reverse("administration:pcn", kwargs={"pk": pcn.pk}), {"name": "Renamed PCN"})
    pcn.refresh_from_db()
    assert pcn.name == "Renamed PCN"


def test_another_areas_organisations_are_404(client, other_area_service_admin, service, practice):
    client.force_login(other_area_service_admin)
    for url in [
        reverse("administration:organisation", kwargs={"pk": service.pk}),
        reverse("administration:organisation", kwargs={"pk": practice.pk}),
        reverse("administration:pcn", kwargs={"pk": practice.pcn.pk}),
    ]:
        assert client.get(url).status_code == 404
        assert client.post(url, {**SERVICE, "version": 1}).status_code == 404
    service.refresh_from_db()
    assert service.name != SERVICE["name"]


@pytest.mark.parametrize("persona", ["system_admin", "link_worker", "team_lead", "referrer"])
def test_only_service_admins_manage_organisations(client, request, persona, service, practice):
    client.force_login(request.getfixturevalue(persona))
    urls = [
        reverse("administration:organisations"),
        reverse("administration:new_organisation") + "?kind=provider",
        reverse("administration:organisation", kwargs={"pk": service.pk}),
        reverse("administration:new_pcn"),
        reverse("administration:pcn", kwargs={"pk": practice.pcn.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Taken over", "ods_code": "U99999"}).status_code == 403
    assert not Organisation.objects.filter(name="Taken over").exists()
    assert not PrimaryCareNetwork.objects.filter(ods_code="U99999").exists()


CASE_NAMESPACES = ("casework:", "referrals:", "outcomes:", "onward:")


def test_service_admin_reaches_no_case_record(client, service_admin, active_referral):
    """Every URL that shows people or their cases is 403 for a service administrator, even
    for a case in their own area."""
    client.force_login(service_admin)
    checked = 0
    for name in sorted(EXPECTED):
        if not name.startswith(CASE_NAMESPACES):
            continue
        route = ROUTES[name]
        kwargs = {}
        for part, value in [
            ("<uuid:pk>", active_referral.pk),
            ("<uuid:goal_pk>", active_referral.pk),
            ("<uuid:onward_pk>", active_referral.pk),
            ("<uuid:service_pk>", active_referral.pk),
            ("<uuid:request_pk>", active_referral.pk),
            ("<uuid:response_pk>", active_referral.pk),
            ("<uuid:message_pk>", active_referral.pk),
            ("<slug:code>", "phq9"),
            ("<slug:timepoint>", "other"),
        ]:
            if part in route:
                kwargs[part.split(":")[1].rstrip(">")] = value
        url = reverse(name, kwargs=kwargs or None)
        assert client.get(url).status_code in (403, 405), name
        assert client.post(url, {}).status_code == 403, name
        checked += 1
    assert checked > 30
