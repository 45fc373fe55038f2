from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from referrals.models import Need, Person, Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data():
    dob = timezone.localdate().replace(year=1950)
    return {
        "nhs_number": factories.valid_nhs_number(),
        "given_name": "Ruth",
        "family_name": "Adeyemi",
        "date_of_birth[day]": str(dob.day),
        "date_of_birth[month]": str(dob.month),
        "date_of_birth[year]": str(dob.year),
        "postcode": "nn1 1aa",
        "phone": "07700 900456",
        "email": "",
        "preferred_contact": "phone",
        "needs": [str(Need.objects.get(code="loneliness").pk)],
        "context": "Recently moved to be near family.",
        "consent_to_contact": "on",
    }


def post(client, data):
    return client.post(reverse("referrals:new"), data)


def test_refer_creates_referral_and_redirects(client, referrer, service, form_data):
    client.force_login(referrer)
    response = post(client, form_data)
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.person.postcode == "NN1 1AA"
    assert referral.person.phone == "07700900456"
    assert referral.referring_organisation == referrer.organisation
    assert AuditEvent.objects.filter(verb="create_referral", actor=referrer).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "9434765918", "not a valid NHS number"),
        ("nhs_number", "12345", "10 digits"),
        ("postcode", "NOT A POSTCODE", "full UK postcode"),
        ("given_name", "", "Enter the person's first name"),
        ("phone", "12", "UK phone number"),
        ("email", "nope", "Enter an email address like"),
        ("consent_to_contact", None, "Confirm the person agrees to be contacted"),
        ("needs", None, "Choose at least one reason for referral"),
        ("preferred_contact", None, "Choose how the person would like to be contacted"),
        ("date_of_birth[year]", "", "Date of birth must include a day, month and year"),
        ("date_of_birth[month]", "13", "Date of birth must be a real date"),
    ],
)
def test_refer_bad_input_named_and_nothing_lost(
    client, referrer, service, form_data, field, value, message
):
    client.force_login(referrer)
    if value is None:
        form_data.pop(field)
    else:
        form_data[field] = value
    response = post(client, form_data)
    body = unescape(response.content.decode())
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert "Recently moved to be near family." in body  # what was typed is still there
    assert "Adeyemi" in body or field == "family_name"
    assert not Referral.objects.exists()


def test_refer_future_date_of_birth_refused(client, referrer, service, form_data):
    client.force_login(referrer)
    tomorrow = timezone.localdate() + timedelta(days=1)
    form_data.update(
        {
            "date_of_birth[day]": str(tomorrow.day),
            "date_of_birth[month]": str(tomorrow.month),
            "date_of_birth[year]": str(tomorrow.year),
        }
    )
    response = post(client, form_data)
    assert "Date of birth must be today or in the past" in response.content.decode()
    assert not Referral.objects.exists()


def test_refer_email_preference_needs_email(client, referrer, service, form_data):
    client.force_login(referrer)
    form_data["preferred_contact"] = "email"
    response = post(client, form_data)
    assert "Enter an email address, or choose another way" in response.content.decode()


def test_refer_duplicate_open_episode_warns_and_links(client, referrer, service, form_data):
    client.force_login(referrer)
    post(client, form_data)
    response = post(client, form_data)
    body = response.content.decode()
    existing = Referral.objects.get()
    assert "already has an open referral" in body
    assert reverse("referrals:detail", args=[existing.pk]) in body
    assert Referral.objects.count() == 1


def test_refer_duplicate_from_other_practice_is_taken_without_a_word(
    client, referrer, other_practice_referrer, service, form_data
):
    # Another practice's referral is not theirs to know of: theirs is taken like any other,
    # and triage sees the possible duplicate (tests/views/test_duplicate_referrals.py).
    client.force_login(referrer)
    post(client, form_data)
    client.force_login(other_practice_referrer)
    response = post(client, form_data)
    theirs = Referral.objects.get(referring_organisation=other_practice_referrer.organisation)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[theirs.pk])
    assert theirs.possible_duplicate_of is not None


def test_refer_without_nhs_number_matching_only_a_closed_referral_is_taken(
    client, referrer, service, form_data
):
    # Issue 13: "referred before" told the referrer the person was known. Only the practice's
    # own *open* referral is pointed out now (tests/views/test_demographic_duplicates.py);
    # a match on a closed one is simply taken, as a person record of its own.
    client.force_login(referrer)
    form_data["nhs_number"] = ""
    post(client, form_data)
    Referral.objects.update(status="declined", decline_reason="other", closed_at=timezone.now())
    response = post(client, form_data)
    assert response.status_code == 302
    assert Person.objects.count() == 2
