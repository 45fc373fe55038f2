"""The demo publishes nothing a real provider would not: no address for a domestic-abuse
group, no telephone number outside Ofcom's drama range, no real charity's name."""

import random
import re

import pytest

from nonprod import county, demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [300, 3000])
def test_a_confidential_group_shows_its_town_not_its_door(count):
    records = demo._activities(count, random.Random(2026))
    confidential = [r for r in records if "Women's Aid" in r.organization_name]
    assert confidential
    for record in confidential:
        location = record.locations[0]
        assert location.address_1 == ""
        assert " " not in location.postal_code  # the district only
        assert "address given on booking" in location.name


def test_telephone_numbers_are_for_drama():
    records = demo._activities(300, random.Random(2026))
    assert all(re.fullmatch(r"01632 960\d{3}", r.phone) for r in records)


def test_no_real_charity_is_given_invented_times():
    names = " ".join(
        " ".join(kind.names) + " " + kind.provider + " " + kind.description
        for kind in county.ACTIVITY_KINDS
    )
    for charity in ("Age UK", "Alzheimer's Society", "Andy's Man Club", "Cruse", "Shelter"):
        assert charity not in names
