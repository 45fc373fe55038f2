"""The person's answer screens read no more than they need (outcomes/views/person.py): after
each answer the next screen is still the first question neither answered nor skipped, and a
screen shows the answer saved before, but never over one just sent."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from outcomes import actions

pytestmark = pytest.mark.django_db
DOB = date(1960, 5, 17)  # the factory's


def checked(response) -> list[str]:
    return re.findall(r'value="(\d+)" checked', unescape(response.content.decode()))


@pytest.fixture
def answering(client, baseline):
    token = actions.send_link(by=None, request=baseline)
    start = reverse("outcomes:answer_start", args=[token])
    dob = {
        "date_of_birth[day]": DOB.day,
        "date_of_birth[month]": DOB.month,
        "date_of_birth[year]": DOB.year,
    }
    first = client.post(start, dob)["Location"]
    code = first.rstrip("/").split("/")[-2]
    return (
        token,
        code,
        lambda number: reverse("outcomes:answer_question", args=[token, code, number]),
    )


def test_the_next_screen_is_the_first_question_left(client, answering):
    token, code, url = answering
    assert client.post(url(1), {"answer": "1"})["Location"] == url(2)
    assert client.post(url(2), {"skip": "1"})["Location"] == url(3)
    # Back to the first and changed: on to the third, the second was skipped, not left.
    assert client.post(url(1), {"answer": "2"})["Location"] == url(3)
    # Jumping ahead leaves the third the first question left.
    assert client.post(url(4), {"answer": "1"})["Location"] == url(3)


def test_a_screen_shows_the_saved_answer_but_not_over_one_sent(client, answering):
    token, code, url = answering
    client.post(url(1), {"answer": "2"})
    assert checked(client.get(url(1))) == ["2"]
    # Sent without an answer: the error, and nothing chosen for them.
    again = client.post(url(1), {"answer": ""})
    assert again.status_code == 200
    assert "Choose an answer, or skip this question" in unescape(again.content.decode())
    assert checked(again) == []
    assert checked(client.get(url(1))) == ["2"]  # the saved answer stands
