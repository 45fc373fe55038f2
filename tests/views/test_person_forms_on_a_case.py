"""The three forms about the person on a case (casework/views/consent.py: their choices,
contact details, and equality monitoring) share one view: each is filled from the person's
record, saved through its action, and refused with the action's message on the form."""

import re
from html import unescape

import pytest
from django.urls import reverse

from core.models import AuditEvent
from referrals.models import Person

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return unescape(response.content.decode())


def checked(body: str, name: str) -> set[str]:
    """The values of the checked radios and checkboxes called `name`."""
    inputs = re.findall(rf"<input[^>]*name=\"{name}\"[^>]*>", body)
    return {re.search(r'value="([^"]*)"', i).group(1) for i in inputs if "checked" in i}


@pytest.fixture
def person(active_referral):
    Person.objects.filter(pk=active_referral.person_id).update(
        phone="07700900123",
        email="rosa@example.com",
        preferred_contact="phone",
        texts_allowed=True,
        emails_allowed=False,
        share_with_providers="contact",
        share_with_gp="codes",
        research_allowed=False,
        sex="female",
        ethnicity="B",
    )
    return Person.objects.get(pk=active_referral.person_id)


def test_each_form_is_filled_from_the_persons_record(client, link_worker, active_referral, person):
    client.force_login(link_worker)
    consent = page(client.get(reverse("casework:consent", args=[active_referral.pk])))
    assert checked(consent, "texts_allowed") and not checked(consent, "emails_allowed")
    assert checked(consent, "share_with_providers") == {"contact"}
    assert checked(consent, "share_with_gp") == {"codes"}
    contact = page(client.get(reverse("casework:contact_details", args=[active_referral.pk])))
    assert 'value="07700900123"' in contact and 'value="rosa@example.com"' in contact
    assert checked(contact, "preferred_contact") == {"phone"}
    about = page(client.get(reverse("casework:about", args=[active_referral.pk])))
    assert checked(about, "sex") == {"female"}
    assert re.search(r'<option value="B"[^>]*selected', about)


@pytest.mark.parametrize(
    ("url", "data", "saved", "message"),
    [
        (
            "casework:consent",
            {
                "texts_allowed": "on",
                "emails_allowed": "on",
                "share_with_providers": "contact_and_needs",
                "share_with_gp": "summary",
                "research_allowed": "on",
            },
            {"emails_allowed": True, "share_with_gp": "summary", "research_allowed": True},
            "Their choices are saved and apply from now on.",
        ),
        (
            "casework:contact_details",
            {"phone": "07700 900456", "email": "rosa@example.com", "preferred_contact": "email"},
            {"phone": "07700900456", "preferred_contact": "email"},
            "Contact details updated.",
        ),
        (
            "casework:about",
            {"sex": "not_stated", "ethnicity": "Z"},
            {"sex": "not_stated", "ethnicity": "Z"},
            "Saved. It is used only in the service's equity figures.",
        ),
    ],
    ids=["consent", "contact-details", "about"],
)
def test_each_form_saves_through_its_action_and_goes_back_to_the_case(
    client, link_worker, active_referral, person, url, data, saved, message
):
    client.force_login(link_worker)
    response = client.post(reverse(url, args=[active_referral.pk]), data, follow=True)
    assert response.redirect_chain == [(reverse("casework:case", args=[active_referral.pk]), 302)]
    assert message in page(response)
    person.refresh_from_db()
    assert {field: getattr(person, field) for field in saved} == saved
    assert AuditEvent.objects.filter(actor=link_worker, object_id=str(active_referral.pk)).exists()


def test_the_actions_refusal_is_shown_on_the_form(client, link_worker, active_referral, person):
    client.force_login(link_worker)
    url = reverse("casework:contact_details", args=[active_referral.pk])
    # Nothing changed: the action refuses, and the form says why.
    response = client.post(
        url, {"phone": "07700900123", "email": "rosa@example.com", "preferred_contact": "phone"}
    )
    assert response.status_code == 200
    assert "Nothing has changed" in page(response)
