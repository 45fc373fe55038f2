import pytest

from accounts.actions import complete_set_up, create_administrator
from tests import factories


def administrator(email, full_name, area=None):
    """An administrator who has followed their set-up link, as one would."""
    user, token = create_administrator(by=None, email=email, full_name=full_name, area=area)
    return complete_set_up(token=token, password=factories.PASSWORD)


@pytest.fixture
def system_admin(db):
    return administrator("sys@example.nhs.uk", "Sam System")


@pytest.fixture
def service_admin(area):
    return administrator("svc@example.nhs.uk", "Sid Service", area)


@pytest.fixture
def other_area_service_admin(db):
    return administrator("other@example.nhs.uk", "Oona Other", factories.area())
