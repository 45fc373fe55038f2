import uuid

from django.urls import reverse

from core.ids import url_by_id, uuid7


def test_gives_the_same_url_as_reverse_for_each_id():
    case_url = url_by_id("casework:case")
    for pk in (uuid7(), uuid7(), uuid.UUID(int=0)):
        assert case_url(pk) == reverse("casework:case", kwargs={"pk": pk})
