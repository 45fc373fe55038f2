"""Finding a referral by its reference (issue 14): typed any way, by each role, only ever
within what that role may see, and a referral outside it is not found and not hinted at.
Every way a referral is made stores its reference, and the pages that are about it show it."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from outcomes import message_back
from outcomes.actions import send_message_back
from referrals.bulk import COLUMNS
from referrals.models import Need, Referral
from referrals.references import reference_for, unused_reference
from tests import factories
from tests.views.test_self_referral import form as self_referral_form
from tests.views.test_self_referral import send as send_self_referral

pytestmark = pytest.mark.django_db
FIND = reverse("referrals:find")


def page(response):
    return unescape(response.content.decode())


def find(client, text):
    return client.get(FIND, {"q": text})


def typed_ways(reference: str) -> list[str]:
    """How people type a reference: lower case, spaces, no hyphen, O for 0 and I for 1."""
    plain = reference.replace("-", "")
    return [
        reference,
        reference.lower(),
        plain,
        " ".join(plain[i : i + 2] for i in range(0, len(plain), 2)).lower(),
        f"  {reference[:4]} - {reference[5:]}  ",
        reference.replace("0", "O").replace("1", "I"),
    ]


def found_ids(response) -> set[str]:
    return set(re.findall(r"/(?:cases|referrals)/([0-9a-f-]{36})/", response.content.decode()))


@pytest.fixture
def others(referrer, service):
    """More of the same practice's referrals with the same service, to be left out."""
    return [factories.referral(by=referrer, service=service) for _ in range(3)]


# Service staff: the service's referrals


@pytest.mark.parametrize("persona", ["team_lead", "link_worker"])
def test_service_staff_find_a_referral_by_its_reference_however_typed(
    client, request, persona, referral, others
):
    client.force_login(request.getfixturevalue(persona))
    for typed in typed_ways(referral.reference):
        response = find(client, typed)
        assert response.status_code == 200
        assert found_ids(response) == {str(referral.pk)}, typed
        body = page(response)
        assert referral.person.full_name in body and referral.reference in body
        # Service staff go to the person's page.
        assert reverse("casework:case", args=[referral.pk]) in body


def test_the_link_worker_finds_a_case_on_a_colleagues_caseload(
    client, allocated_referral, other_link_worker, others
):
    client.force_login(other_link_worker)
    assert found_ids(find(client, allocated_referral.reference)) == {str(allocated_referral.pk)}


def test_the_team_lead_finds_one_waiting_for_allocation(client, team_lead, referral, others):
    from referrals.actions import accept_referral

    accept_referral(by=team_lead, referral=referral, version=referral.version, note="")
    client.force_login(team_lead)
    assert found_ids(find(client, referral.reference.lower())) == {str(referral.pk)}


# Referrers: their own organisation's referrals


def test_the_gp_finds_their_practices_referral_and_its_page(client, referrer, referral, others):
    client.force_login(referrer)
    response = find(client, referral.reference.replace("-", " ").lower())
    assert found_ids(response) == {str(referral.pk)}
    assert reverse("referrals:detail", args=[referral.pk]) in page(response)
    assert reverse("casework:case", args=[referral.pk]) not in page(response)


# Nobody finds anything outside their own scope, or learns that it exists


def without_search(response, typed) -> str:
    body = response.content.decode()
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    for shown in {typed, unescape(typed)}:
        body = body.replace(shown, "TYPED")
    return body


@pytest.mark.parametrize("persona", ["other_practice_referrer", "other_area_link_worker"])
def test_outside_their_scope_nothing_is_found_and_nothing_is_told(
    client, request, persona, referral
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    # The referral's own service has it; the other practice refers to that same service.
    real = find(client, referral.reference)
    made_up = find(client, unused_reference())
    assert real.status_code == made_up.status_code == 200
    assert found_ids(real) == set()
    assert referral.person.full_name not in page(real)
    assert without_search(real, referral.reference) == without_search(
        made_up, made_up.wsgi_request.GET["q"]
    )
    # The search is recorded all the same, with nobody shown.
    searches = AuditEvent.objects.filter(actor=user, verb="search_referrals").order_by("id")
    assert [(e.detail["reference"], e.detail["shown"]) for e in searches] == [
        (referral.reference, 0),
        (made_up.wsgi_request.GET["q"], 0),
    ]


def test_another_practices_gp_does_not_find_it_even_when_they_referred_the_same_person(
    client, referrer, other_practice_referrer, service
):
    mine = factories.referral(by=referrer, service=service)
    client.force_login(other_practice_referrer)
    for typed in typed_ways(mine.reference) + [mine.person.family_name, mine.nhs_number]:
        assert found_ids(find(client, typed)) == set(), typed


@pytest.mark.parametrize(("persona", "status"), [("commissioner", 403), ("provider", 403)])
def test_roles_without_referrals_cannot_search(client, request, persona, status, referral):
    client.force_login(request.getfixturevalue(persona))
    assert find(client, referral.reference).status_code == status


def test_signed_out_is_sent_to_sign_in(client, referral):
    response = find(client, referral.reference)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# The same box finds names and NHS numbers; what finds nothing says so


def test_names_and_nhs_numbers_are_found_too(client, team_lead, referral, others):
    client.force_login(team_lead)
    person = referral.person
    by_name = find(client, f"{person.given_name.lower()} {person.family_name.upper()}")
    assert str(referral.pk) in found_ids(by_name)
    spaced = f"{referral.nhs_number[:3]} {referral.nhs_number[3:6]} {referral.nhs_number[6:]}"
    assert found_ids(find(client, spaced)) == {str(referral.pk)}


def test_a_reference_read_out_in_pairs_is_not_taken_for_a_name(
    client, team_lead, referrer, service, referral
):
    """ "6b ar j9 ey" holds "ar" and "ey", both in "Carey": read as words of a name, every
    Carey would be found beside the one referral the reference belongs to."""
    Referral.objects.filter(pk=referral.pk).update(reference="6BAR-J9EY")
    carey = factories.referral(
        by=referrer,
        service=service,
        person=factories.PersonDetailsFactory(given_name="Gordon", family_name="Carey"),
    )
    client.force_login(team_lead)
    assert found_ids(find(client, "6b ar j9 ey")) == {str(referral.pk)}
    # Letters alone may still be a name: "Carey" finds him.
    assert str(carey.pk) in found_ids(find(client, "carey"))


def test_an_empty_search_lists_nobody_and_audits_nothing(client, team_lead, referral):
    client.force_login(team_lead)
    before = AuditEvent.objects.count()
    response = find(client, "   ")
    assert response.status_code == 200 and found_ids(response) == set()
    assert "Nothing found" not in page(response)
    assert AuditEvent.objects.count() == before


def test_a_search_that_finds_nothing_says_so(client, team_lead, referral):
    client.force_login(team_lead)
    body = page(find(client, "ZZZZ-ZZZZ"))
    assert "Nothing found" in body and "No referral you can see matches" in body


def test_the_lists_lead_to_the_search(client, team_lead, link_worker, referrer):
    for user, name in [
        (team_lead, "referrals:triage"),
        (team_lead, "casework:team"),
        (link_worker, "casework:caseload"),
        (referrer, "referrals:sent"),
    ]:
        client.force_login(user)
        body = page(client.get(reverse(name)))
        assert f'action="{FIND}"' in body and 'name="q"' in body, name


# Query counts: a reference search costs what any search costs, however many referrals


def count_queries(client, text):
    with CaptureQueriesContext(connection) as queries:
        response = find(client, text)
    assert response.status_code == 200 and found_ids(response)
    return len(queries.captured_queries)


@pytest.fixture(autouse=True)
def _background_status_uncached(settings):
    settings.BACKGROUND_STATUS_CACHE_SECONDS = 0  # counted on every page (tests/test_query_counts)


@pytest.mark.parametrize("persona", ["team_lead", "link_worker", "referrer"])
def test_search_queries_are_constant(client, request, persona, referrer, service):
    def add(n):
        return [
            factories.referral(
                by=referrer, service=service, needs=("loneliness", "carer"), person=person
            )
            for person in [factories.PersonDetailsFactory(family_name="Marsh") for _ in range(n)]
        ]

    first = add(2)[0]
    client.force_login(request.getfixturevalue(persona))
    by_reference = count_queries(client, first.reference.lower())
    by_name = count_queries(client, "marsh")
    add(12)
    assert count_queries(client, first.reference) == by_reference
    assert count_queries(client, "Marsh") == by_name == by_reference
    print(f"find ({persona}): {by_reference} queries")


# Every way a referral is made stores one, and its pages show it


def test_the_gp_form_stores_it_and_the_referral_page_shows_it(client, referrer, service):
    client.force_login(referrer)
    response = client.post(
        reverse("referrals:new"),
        {
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
            "context": "Recently moved.",
            "consent_to_contact": "on",
        },
    )
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.reference == reference_for(referral.pk)
    assert referral.reference in page(client.get(response["Location"]))


def test_a_self_referral_stores_it_and_the_confirmation_shows_that_one(client, area, service):
    factories.practice(area=area, name="Abington Park Surgery")
    response = send_self_referral(client, self_referral_form())
    referral = Referral.objects.get()
    assert referral.reference == reference_for(referral.pk)
    shown = re.search(r"data-reference>([^<]+)<", page(response)).group(1)
    assert shown == referral.reference


def test_a_csv_upload_stores_one_for_every_row(client, referrer, service, run_tasks):
    values = {
        "given_name": "Ann",
        "family_name": "Lee",
        "date_of_birth": "1950-02-03",
        "postcode": "NN1 5BD",
        "phone": "07700 900123",
        "email": "",
        "preferred_contact": "phone",
        "texts_allowed": "yes",
        "emails_allowed": "no",
        "needs": "loneliness",
        "context": "",
        "consent_to_contact": "yes",
    }
    rows = [",".join(COLUMNS)] + [
        ",".join({**values, "nhs_number": factories.valid_nhs_number()}[c] for c in COLUMNS)
        for _ in range(4)
    ]
    client.force_login(referrer)
    client.post(
        reverse("referrals:uploads"),
        {"file": SimpleUploadedFile("r.csv", "\n".join(rows).encode())},
    )
    run_tasks()
    made = list(Referral.objects.filter(source="bulk"))
    assert len(made) == 4 and len({r.reference for r in made}) == 4
    assert all(r.reference == reference_for(r.pk) for r in made)


def test_the_persons_page_and_the_triage_page_show_it(
    client, link_worker, team_lead, active_referral, referral
):
    client.force_login(link_worker)
    case = page(client.get(reverse("casework:case", args=[active_referral.pk])))
    assert f"Reference <span data-reference>{active_referral.reference}</span>" in case
    client.force_login(team_lead)
    waiting = factories.referral(by=active_referral.referrer, service=active_referral.service)
    triage = page(client.get(reverse("referrals:triage_referral", args=[waiting.pk])))
    assert waiting.reference in triage


def test_the_message_back_carries_it(client, link_worker, referrer, active_referral):
    message = send_message_back(by=link_worker, referral=active_referral, reason="update")
    assert message.content["reference"] == active_referral.reference
    assert ("Reference", active_referral.reference) in message_back.as_text_rows(message.content)
    client.force_login(referrer)
    body = page(client.get(reverse("referrals:detail", args=[active_referral.pk])))
    assert body.count(active_referral.reference) >= 2  # the referral, and its message back


def test_a_message_back_written_before_references_were_stored_still_reads():
    content = {
        "person": {"name": "A B", "nhs_number": "", "date_of_birth": "1950-01-01"},
        "dates": {"referred": "2026-01-05", "first_contact": None, "discharged": None},
        "from": {"service": "S", "link_worker": ""},
        "status": "Received",
        "codes": [],
        "sharing": "codes",
    }
    assert "Reference" not in dict(message_back.as_text_rows(content))
