import pytest

from accounts.actions import create_staff_user
from organisations.actions import create_area, create_organisation
from tests import factories


@pytest.fixture
def national(db):
    """A national analyst: England's figures, aggregates only."""
    england = create_area(by=None, name="England", code="E92000001")
    body = create_organisation(by=None, area=england, kind="national", name="NHS England")
    return create_staff_user(
        by=None,
        email="analyst@example.nhs.uk",
        full_name="Nat Analyst",
        organisation=body,
        role="national",
        password=factories.PASSWORD,
    )
