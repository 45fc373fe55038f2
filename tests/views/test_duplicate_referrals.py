"""Referring someone who is already referred: the referrer learns nothing that is not
theirs to know, and the service's triage team sees the possible duplicate and merges it.

Issue 13: self-referral said "You are already referred" to anyone naming a referred person;
a GP at another practice was told an open referral existed and its date.
"""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import actions, self_referral
from referrals.models import Need, Referral, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


# Self-referral: anyone can fill it in, naming anyone


@pytest.fixture
def abington(area, service):
    return factories.practice(area=area, name="Abington Park Surgery")


@pytest.fixture
def rosa_referred(referrer, service):
    """Rosa Bright, referred by her GP: an open episode."""
    return factories.referral(
        by=referrer,
        service=service,
        person=factories.PersonDetailsFactory(
            given_name="Rosa",
            family_name="Bright",
            date_of_birth=date(1987, 9, 3),
            postcode="NN1 5BD",
            phone="07700900111",
        ),
    )


def self_referral_form(**changes):
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
        "needs": ["loneliness"],
        "words": "I hardly see anyone",
        "practice_search": "Abington",
        "consent_to_contact": "on",
        "website": "",
        "started": self_referral.form_token(),
    }
    data.update(changes)
    return data


def send_self_referral(client, data):
    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later), CaptureQueriesContext(connection) as queries:
        response = client.post("/refer-yourself/", data)
    return response, len(queries.captured_queries)


def without_tokens(response) -> bytes:
    """The page with what differs on every response anyway (CSP nonce, CSRF token, the new
    referral's reference) blanked."""
    body = response.content
    body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', body)
    # Each referral sent has its own reference (issue 14); the rest must be the same.
    body = re.sub(rb"data-reference>[^<]*<", b"data-reference><", body)
    return body


def test_self_referral_of_someone_already_referred_answers_exactly_as_for_anyone(
    client, abington, rosa_referred
):
    # A first form warms the caches (the words-to-needs synonyms) so the two compare fairly.
    send_self_referral(client, self_referral_form(given_name="Warm", family_name="Up"))
    known, known_queries = send_self_referral(client, self_referral_form())
    stranger, stranger_queries = send_self_referral(
        client, self_referral_form(given_name="Ada", family_name="Newname")
    )
    assert known.status_code == stranger.status_code == 200
    assert without_tokens(known) == without_tokens(stranger)
    assert "already" not in page(known).lower()
    # The same work either way (a proxy for timing): the duplicate adds one timeline row.
    assert abs(known_queries - stranger_queries) <= 2, (known_queries, stranger_queries)


def test_the_team_sees_a_self_referral_of_someone_already_referred(
    client, abington, rosa_referred, team_lead
):
    send_self_referral(client, self_referral_form())
    duplicate = Referral.objects.get(source=Referral.Source.SELF)
    assert duplicate.possible_duplicate_of == rosa_referred
    # The episode's own record is not changed by what a stranger typed.
    rosa_referred.person.refresh_from_db()
    assert rosa_referred.person.phone == "07700900111"
    assert ReferralEvent.objects.filter(
        referral=rosa_referred, kind=ReferralEvent.Kind.REFERRED_AGAIN
    ).exists()

    client.force_login(team_lead)
    queue = page(client.get(reverse("referrals:triage")))
    assert "Possible duplicate" in queue
    triage = page(client.get(reverse("referrals:triage_referral", args=[duplicate.pk])))
    assert "Possible duplicate" in triage
    assert reverse("casework:case", args=[rosa_referred.pk]) in triage


# GP referral form: a practice that is not the one that referred


@pytest.fixture
def form_data():
    return {
        "nhs_number": factories.valid_nhs_number(),
        "given_name": "Ruth",
        "family_name": "Adeyemi",
        "date_of_birth[day]": "14",
        "date_of_birth[month]": "2",
        "date_of_birth[year]": "1950",
        "postcode": "nn1 1aa",
        "phone": "07700 900456",
        "email": "",
        "preferred_contact": "phone",
        "needs": [str(Need.objects.get(code="loneliness").pk)],
        "context": "Recently moved to be near family.",
        "consent_to_contact": "on",
    }


def refer(client, user, data):
    client.force_login(user)
    return client.post(reverse("referrals:new"), data)


def test_gp_at_another_practice_learns_nothing_of_the_open_referral(
    client, referrer, other_practice_referrer, service, form_data
):
    long_ago = timezone.now() - timedelta(days=40)
    with time_machine.travel(long_ago, tick=False):
        refer(client, referrer, form_data)
    first = Referral.objects.get()
    # Practice B types the same NHS number, with the name they have.
    theirs = dict(form_data, given_name="Ruthie", phone="07700 900999")
    response = refer(client, other_practice_referrer, theirs)
    mine = Referral.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[mine.pk])

    shown = page(client.get(response["Location"], follow=True))
    for secret in (
        f"{timezone.localtime(first.received_at):%d %B %Y}",
        f"{timezone.localtime(first.received_at):%-d %B %Y}",
        referrer.organisation.name,
        referrer.full_name,
        "already",
        "duplicate",
    ):
        assert secret.lower() not in shown.lower(), secret
    assert "Ruthie Adeyemi" in shown and "Awaiting triage" in shown
    listed = page(client.get(reverse("referrals:sent")))
    assert "Ruthie Adeyemi" in listed and referrer.organisation.name not in listed
    # The NHS number they gave is shown back to them as given.
    assert form_data["nhs_number"][:3] in shown.replace(" ", "")
    # Practice A's view of its own referral is unchanged by B's.
    first.person.refresh_from_db()
    assert (first.person.given_name, first.person.phone) == ("Ruth", "07700900456")


def test_triage_sees_the_gp_duplicate_and_merges_it_into_the_open_episode(
    client, referrer, other_practice_referrer, service, team_lead, form_data
):
    refer(client, referrer, form_data)
    first = Referral.objects.get()
    refer(client, other_practice_referrer, dict(form_data, context="Also very low lately."))
    duplicate = Referral.objects.exclude(pk=first.pk).get()
    assert duplicate.possible_duplicate_of == first

    client.force_login(team_lead)
    queue = page(client.get(reverse("referrals:triage")))
    assert "Possible duplicate" in queue
    url = reverse("referrals:triage_referral", args=[duplicate.pk])
    triage = page(client.get(url))
    assert "Possible duplicate" in triage and "The referrer has not been told" in triage
    assert reverse("casework:case", args=[first.pk]) in triage

    response = client.post(
        url, {"decision": "decline", "reason": "duplicate", "version": duplicate.version}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "declined" and duplicate.decline_reason == "duplicate"
    merged = first.events.filter(
        kind=ReferralEvent.Kind.REFERRED_AGAIN, summary__startswith="Second referral merged"
    ).get()
    assert "Also very low lately." in merged.detail
    assert other_practice_referrer.organisation.name in merged.summary
    case = page(client.get(reverse("casework:case", args=[first.pk])))
    assert "Second referral merged in" in case and "Also very low lately." in case
    # Practice A, whose referral it is, is not told of B's.
    a_view = page(refer_view(client, referrer, first))
    assert other_practice_referrer.organisation.name not in a_view and "again" not in a_view


def refer_view(client, user, referral):
    client.force_login(user)
    return client.get(reverse("referrals:detail", args=[referral.pk]))


def test_the_same_practice_referring_again_is_told_of_its_own_referral(
    client, referrer, service, form_data
):
    refer(client, referrer, form_data)
    first = Referral.objects.get()
    response = refer(client, referrer, form_data)
    body = page(response)
    assert response.status_code == 200 and "already has an open referral" in body
    assert reverse("referrals:detail", args=[first.pk]) in body
    assert Referral.objects.count() == 1


def test_a_practice_repeating_its_own_held_duplicate_is_told_of_that_one_only(
    client, referrer, other_practice_referrer, service, form_data
):
    refer(client, referrer, form_data)
    refer(client, other_practice_referrer, form_data)
    held = Referral.objects.get(referring_organisation=other_practice_referrer.organisation)
    response = refer(client, other_practice_referrer, form_data)
    body = page(response)
    assert "already has an open referral" in body
    assert reverse("referrals:detail", args=[held.pk]) in body
    first = Referral.objects.get(referring_organisation=referrer.organisation)
    assert reverse("referrals:detail", args=[first.pk]) not in body
    assert Referral.objects.count() == 2


def test_a_duplicate_accepted_as_someone_else_goes_on_as_its_own_episode(
    referrer, other_practice_referrer, service, team_lead, link_worker
):
    person = factories.PersonDetailsFactory()
    first = factories.referral(by=referrer, service=service, person=person)
    second = factories.referral(by=other_practice_referrer, service=service, person=person)
    assert second.possible_duplicate_of == first
    second = actions.accept_referral(by=team_lead, referral=second, version=second.version)
    second = factories.allocate(second, by=team_lead, worker=link_worker)
    assert second.status == "allocated" and first.is_open
