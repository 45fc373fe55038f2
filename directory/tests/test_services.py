import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import ActionError
from directory.actions import create_service
from referrals.models import Need

pytestmark = pytest.mark.django_db


def make(area, name, town, needs=("loneliness",)):
    return create_service(
        by=None,
        area=area,
        name=name,
        provider_name="Group",
        description="Nice",
        needs=list(Need.objects.filter(code__in=needs)),
        town=town,
        postcode="nn12 6ab",
        when="Tuesdays",
        how_to_join="Turn up",
    )


def test_filter_by_need_and_town(client, link_worker, area):
    make(area, "Happy Cafe", "Northampton")
    make(area, "Debt advice", "Corby", needs=("money-debt",))
    make(area, "Walk", "Corby", needs=("physical-activity", "loneliness"))
    client.force_login(link_worker)
    body = client.get(reverse("directory:services"), {"need": "loneliness", "town": "Corby"})
    text = body.content.decode()
    assert "Walk" in text and "Happy Cafe" not in text and "Debt advice" not in text


def test_other_areas_activities_not_listed(client, other_area_link_worker, area):
    make(area, "Happy Cafe", "Northampton")
    client.force_login(other_area_link_worker)
    assert "Happy Cafe" not in client.get(reverse("directory:services")).content.decode()


def test_bad_filter_value_shows_message_not_error(client, link_worker, area):
    make(area, "Happy Cafe", "Northampton")
    client.force_login(link_worker)
    response = client.get(reverse("directory:services"), {"need": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_create_service_checks_input(area):
    with pytest.raises(ActionError) as error:
        make(area, " ", "Northampton")
    assert error.value.field == "name"
    with pytest.raises(ActionError) as error:
        make(area, "Cafe", "Northampton", needs=())
    assert error.value.field == "needs"


def test_list_queries_constant(client, link_worker, area):
    for i in range(3):
        make(area, f"Cafe {i}", "Northampton")
    client.force_login(link_worker)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("directory:services"))
    for i in range(10):
        make(area, f"More {i}", "Corby", needs=("loneliness", "carer"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("directory:services"))
    assert len(many) == len(few)
