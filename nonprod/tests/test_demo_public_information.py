"""The demo county's public information is filled in: no "[Fill in" left for visitors."""

import pytest
from django.urls import reverse

from nonprod import demo
from organisations import public_information

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_its_notices_and_phone_number(client):
    demo.load(people=5, activities=10, history=0, progress=lambda message: None)
    area = public_information.icb_areas().get(name=demo.AREA_NAME)
    info = public_information.for_area(area)
    assert info.saved and info.phone and info.reviewed_on
    for text in (info.privacy_notice, info.accessibility_statement):
        assert "[Fill in" not in text
    page = client.get(reverse("privacy_notice"), {"area": area.code}).content.decode()
    assert "Article 9(2)(h)" in page and "Not yet completed" not in page
    assert info.phone in client.get(reverse("directory:find")).content.decode()
