"""Refer yourself: happy path into the triage queue, every bad input named, spam kept out
without a CAPTCHA, and nothing lost."""

from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import self_referral
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/refer-yourself/"


def page(response):
    return unescape(response.content.decode())


@pytest.fixture
def abington(area, service):
    return factories.practice(area=area, name="Abington Park Surgery")


def form(**changes):
    started = self_referral.form_token()
    data = {
        "given_name": "Rosa",
        "family_name": "Bright",
        "date_of_birth[day]": "3",
        "date_of_birth[month]": "9",
        "date_of_birth[year]": "1987",
        "postcode": "nn1 5bd",
        "phone": "07700 900123",
        "email": "",
        "preferred_contact": "text",
        "texts_allowed": "on",
        "needs": ["new-parent"],
        "words": "Since the baby came I hardly see anyone and I can't sleep",
        "practice_search": "Abington",
        "consent_to_contact": "on",
        "website": "",
        "started": started,
    }
    data.update(changes)
    return data


def send(client, data, seconds=30):
    with time_machine.travel(timezone.now() + timedelta(seconds=seconds)):
        return client.post(URL, data)


def test_a_self_referral_lands_in_the_triage_queue(client, abington, team_lead):
    response = send(client, form())
    assert response.status_code == 200 and "What happens next" in page(response)
    referral = Referral.objects.get()
    assert referral.source == "self" and referral.referring_organisation is None
    assert referral.person.registered_practice == abington
    assert referral.person.texts_allowed and referral.person.preferred_contact == "text"
    assert {n.code for n in referral.needs.all()} == {"new-parent", "anxiety"}  # words too
    assert "hardly see anyone" in referral.context
    client.force_login(team_lead)
    queue = page(client.get(reverse("referrals:triage")))
    assert "Rosa Bright" in queue and "Self-referral" in queue


def test_the_form_works_for_everyone_and_is_reachable_from_find(client, db):
    assert client.get(URL).status_code == 200
    assert 'href="/refer-yourself/"' in page(client.get(reverse("directory:find")))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"given_name": ""}, "Enter your first name"),
        ({"postcode": "NOWHERE"}, "Enter a full UK postcode"),
        ({"date_of_birth[year]": "2099"}, "must be today or in the past"),
        ({"preferred_contact": "email", "email": ""}, "Enter an email address, or choose"),
        ({"phone": "12345"}, "Enter a UK phone number"),
        ({"needs": [], "words": ""}, "Tell us a little about what is going on"),
        ({"practice_search": ""}, "Enter your GP practice, or tick"),
        ({"practice_search": "Nonesuch"}, "We could not find a practice called 'Nonesuch'"),
        ({"consent_to_contact": ""}, "Tick to agree to be contacted"),
    ],
)
def test_bad_input_is_named_and_what_was_typed_is_kept(client, abington, changes, message):
    response = send(client, form(**changes))
    body = page(response)
    assert message in body and "There is a problem" in body
    assert 'value="Rosa"' in body or changes.get("given_name") == ""
    assert not Referral.objects.exists()


def test_several_matching_practices_ask_which(client, area, service):
    factories.practice(area=area, name="Kingsthorpe Village Practice")
    factories.practice(area=area, name="Kingsthorpe Medical Centre")
    body = page(send(client, form(practice_search="Kingsthorpe")))
    assert "Several practices match: choose yours" in body
    chosen = Referral  # noqa: F841 - for readability below
    from organisations.models import Organisation

    practice = Organisation.objects.get(name="Kingsthorpe Medical Centre")
    send(client, form(practice_search="Kingsthorpe", practice=str(practice.pk)))
    assert Referral.objects.get().person.registered_practice == practice


def test_not_registered_with_a_gp_goes_to_the_nearest_practices_service(client, area, service):
    # Through the action, which also stores where the practice is.
    factories.practice(area=area, name="Abington Park Surgery", postcode="NN1 5BD")
    send(client, form(practice_search="", no_gp="on"))
    referral = Referral.objects.get()
    assert referral.service == service and referral.person.registered_practice is None


def test_bots_filling_the_hidden_field_or_rushing_get_nothing(client, abington):
    # They are thanked as a person would be (telling them why would teach them), but no
    # referral reaches the team.
    for response in [
        send(client, form(website="http://spam")),
        send(client, form(), seconds=1),
        send(client, form(started="forged")),
    ]:
        assert response.status_code == 200 and "Thank you" in page(response)
    assert not Referral.objects.exists()


def test_too_many_from_one_address_are_turned_away(client, abington):
    for number in range(self_referral.PER_ADDRESS_PER_HOUR):
        send(client, form(given_name=f"Person{number}", family_name=f"Test{number}"))
    assert Referral.objects.count() == self_referral.PER_ADDRESS_PER_HOUR
    response = send(client, form(given_name="One", family_name="More"))
    assert response.status_code == 429 and "try again later" in page(response).lower()


def test_referring_yourself_twice_is_thanked_and_held_for_triage(client, abington):
    # Anyone can name anyone here, so the answer never says whether they were known
    # (tests/views/test_duplicate_referrals.py compares the pages byte for byte).
    send(client, form())
    again = page(send(client, form()))
    assert "Thank you" in again and "already" not in again
    first, second = Referral.objects.order_by("received_at", "created_at")
    assert second.possible_duplicate_of == first
