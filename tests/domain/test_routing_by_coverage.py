"""Which link-worker service a referral goes to: the one covering the practice, else its PCN,
else the area's only (or oldest) service -- never a closed one, never nowhere, in one query.
And every way in (form, FHIR, CSV, self-referral) routes by the practice."""

import itertools
import logging
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from api.fhir.actions import create_api_client
from api.fhir.models import Scope
from organisations.actions import create_organisation, create_pcn, update_organisation
from organisations.models import Organisation
from referrals import routing, self_referral
from referrals.bulk import COLUMNS
from referrals.models import Need, Referral
from referrals.routing import Route, route_referral, service_for, service_for_area
from tests import factories

pytestmark = pytest.mark.django_db

_order = itertools.count(1)


def add_service(area, name, *, practices=(), pcns=()):
    """A service made a minute after the previous one, so "the oldest" is certain."""
    start = timezone.now() - timedelta(days=1)
    with time_machine.travel(start + timedelta(minutes=next(_order)), tick=False):
        made = create_organisation(
            by=None, area=area, kind=Organisation.Kind.LINK_WORKER_SERVICE, name=name
        )
    if practices or pcns:
        made = update_organisation(
            by=None,
            organisation=made,
            version=made.version,
            covers_practices=list(practices),
            covers_pcns=list(pcns),
        )
    return made


def close(organisation):
    # No action closes a service yet (ODS import closes practices, with a whole file): set
    # the flag the import sets.
    Organisation.objects.filter(pk=organisation.pk).update(active=False, closed_on="2020-01-01")
    organisation.refresh_from_db()
    routing.forget()  # an UPDATE sends no signal: as if the routing cache's minute had passed


@pytest.fixture
def pcn(area):
    return create_pcn(by=None, area=area, name="Riverside PCN", ods_code="U90001")


@pytest.fixture
def here(area, pcn):
    return factories.practice(area=area, name="Here Surgery", pcn=pcn)


@pytest.fixture
def neighbour(area, pcn):
    return factories.practice(area=area, name="Neighbour Surgery", pcn=pcn)


# The rules, one by one.


def test_an_area_with_one_service_sends_everything_there(area, here):
    only = add_service(area, "Only service")
    assert route_referral(area_id=area.pk, practice=here) == Route(only, "only")
    assert route_referral(area_id=area.pk) == Route(only, "only")


def test_one_service_takes_everything_even_with_coverage_naming_other_practices(
    area, here, neighbour
):
    only = add_service(area, "Only service", practices=[neighbour])
    assert route_referral(area_id=area.pk, practice=here).service == only


def test_several_services_without_any_coverage_send_everything_to_the_oldest(area, here):
    oldest = add_service(area, "Zed service")
    add_service(area, "Abbey service")
    route = route_referral(area_id=area.pk, practice=here)
    assert (route.service, route.rule) == (oldest, "only")


def test_the_service_covering_the_practice_gets_its_referrals(area, here, neighbour):
    add_service(area, "Oldest service", practices=[neighbour])
    covering = add_service(area, "Here's service", practices=[here])
    route = route_referral(area_id=area.pk, practice=here)
    assert (route.service, route.rule) == (covering, "practice")
    assert service_for(here) == covering


def test_the_service_covering_the_practices_pcn_gets_its_referrals(area, pcn, here, neighbour):
    other_pcn = create_pcn(by=None, area=area, name="Hill PCN", ods_code="U90002")
    add_service(area, "Hill service", pcns=[other_pcn])
    riverside = add_service(area, "Riverside service", pcns=[pcn])
    route = route_referral(area_id=area.pk, practice=here)
    assert (route.service, route.rule) == (riverside, "pcn")


def test_naming_the_practice_beats_naming_its_pcn(area, pcn, here):
    # The PCN's service is older and first by name: neither decides.
    add_service(area, "Aardvark PCN service", pcns=[pcn])
    named = add_service(area, "Zebra practice service", practices=[here])
    assert route_referral(area_id=area.pk, practice=here) == Route(named, "practice")


def test_two_services_naming_the_same_practice_are_chosen_between_by_name(area, here):
    add_service(area, "Zulu service", practices=[here])
    alpha = add_service(area, "Alpha service", practices=[here])
    for _ in range(3):
        assert route_referral(area_id=area.pk, practice=here).service == alpha


def test_two_services_covering_the_same_pcn_are_chosen_between_by_name(area, pcn, here):
    add_service(area, "Zulu service", pcns=[pcn])
    alpha = add_service(area, "Alpha service", pcns=[pcn])
    assert route_referral(area_id=area.pk, practice=here) == Route(alpha, "pcn")


def test_a_practice_nobody_covers_goes_to_the_oldest_service_and_is_logged(
    area, here, neighbour, caplog
):
    oldest = add_service(area, "Oldest service")
    add_service(area, "Neighbour's service", practices=[neighbour])
    with caplog.at_level(logging.WARNING, logger="referrals.routing"):
        route = route_referral(area_id=area.pk, practice=here)
    assert (route.service, route.rule) == (oldest, "fallback")
    assert here.ods_code in caplog.text and "Oldest service" in caplog.text


def test_a_referrer_with_no_practice_goes_to_the_oldest_service_and_is_logged(
    area, neighbour, caplog
):
    partner = create_organisation(
        by=None, area=area, kind=Organisation.Kind.REFERRING_PARTNER, name="Citizens Advice"
    )
    oldest = add_service(area, "Oldest service")
    add_service(area, "Neighbour's service", practices=[neighbour])
    with caplog.at_level(logging.WARNING, logger="referrals.routing"):
        assert service_for(partner) == oldest
        assert service_for_area(area.pk) == oldest
    assert "no GP practice" in caplog.text


def test_an_area_with_no_open_service_routes_nowhere(area, here):
    close(add_service(area, "Closed service", practices=[here]))
    assert route_referral(area_id=area.pk, practice=here) == Route(None, "none")
    assert service_for(here) is None


# Closed services and practices.


def test_a_closed_service_covering_the_practice_is_passed_over(area, pcn, here):
    close(add_service(area, "Closed service", practices=[here]))
    pcn_service = add_service(area, "PCN service", pcns=[pcn])
    add_service(area, "Another service")
    assert route_referral(area_id=area.pk, practice=here) == Route(pcn_service, "pcn")


def test_a_closed_oldest_service_is_not_the_fallback(area, here, neighbour):
    close(add_service(area, "Closed oldest service"))
    next_oldest = add_service(area, "Next oldest service")
    add_service(area, "Neighbour's service", practices=[neighbour])
    assert route_referral(area_id=area.pk, practice=here) == Route(next_oldest, "fallback")


def test_only_open_services_count_when_deciding_whether_there_is_one(area, here, neighbour):
    close(add_service(area, "Closed service", practices=[neighbour]))
    open_one = add_service(area, "Open service")
    assert route_referral(area_id=area.pk, practice=here) == Route(open_one, "only")


def test_a_closed_practices_coverage_is_not_used(area, here, neighbour, caplog):
    oldest = add_service(area, "Oldest service", practices=[neighbour])
    add_service(area, "Here's service", practices=[here])
    close(here)
    with caplog.at_level(logging.WARNING, logger="referrals.routing"):
        assert route_referral(area_id=area.pk, practice=here) == Route(oldest, "fallback")
    assert "(closed)" in caplog.text


def test_a_practice_of_another_area_never_picks_this_areas_services(area, here):
    elsewhere = factories.area()
    theirs = add_service(elsewhere, "Their service")
    add_service(area, "Our service", practices=[here])
    assert route_referral(area_id=elsewhere.pk, practice=here).service == theirs


# Cost: one query, however many services, practices and PCNs.


def test_routing_reads_the_area_once_a_minute(area, pcn, here, django_assert_num_queries):
    for number in range(6):
        extra = factories.practice(area=area)
        add_service(area, f"Service {number}", practices=[extra], pcns=[extra.pcn])
    add_service(area, "PCN service", pcns=[pcn])
    routing.forget()
    with django_assert_num_queries(3):  # the services, then what they cover: practices, PCNs
        assert route_referral(area_id=area.pk, practice=here).rule == "pcn"
    with django_assert_num_queries(0):
        assert route_referral(area_id=area.pk, practice=here).rule == "pcn"
        assert route_referral(area_id=area.pk).rule == "fallback"


def test_a_change_made_elsewhere_is_seen_within_a_minute(area, here, monkeypatch):
    oldest, covering = add_service(area, "Oldest service"), add_service(area, "Covering")
    now = [1000.0]
    monkeypatch.setattr(routing, "monotonic", lambda: now[0])
    routing.forget()
    assert route_referral(area_id=area.pk, practice=here).service == oldest
    # Another process's edit: no signal reaches this one.
    Organisation.covers_practices.through.objects.create(
        from_organisation_id=covering.pk, to_organisation_id=here.pk
    )
    now[0] += routing.CACHE_SECONDS
    assert route_referral(area_id=area.pk, practice=here).service == oldest
    now[0] += 1
    assert route_referral(area_id=area.pk, practice=here).service == covering


def test_a_change_made_here_is_seen_at_once(area, here):
    oldest, covering = add_service(area, "Oldest service"), add_service(area, "Covering")
    assert route_referral(area_id=area.pk, practice=here).service == oldest
    covering.covers_practices.add(here)
    assert route_referral(area_id=area.pk, practice=here).service == covering
    covering.active = False
    covering.save()
    assert route_referral(area_id=area.pk, practice=here).service == oldest


def test_the_service_routed_to_is_each_callers_own_copy(area, here):
    only = add_service(area, "Only service")
    first = route_referral(area_id=area.pk, practice=here).service
    first.name = "changed by one request"
    assert route_referral(area_id=area.pk, practice=here).service.name == only.name


# Every way in routes by the practice (the old code sent all of these to the oldest service).


@pytest.fixture
def two_services(area, here):
    """The area's oldest service covers nothing; the second covers `here`."""
    return add_service(area, "Oldest service"), add_service(
        area, "Here's service", practices=[here]
    )


def test_the_referral_form_routes_by_the_referrers_practice(client, here, two_services):
    _, covering = two_services
    gp = factories.user(organisation=here, role="referrer")
    client.force_login(gp)
    assert covering.name in unescape(client.get(reverse("referrals:new")).content.decode())
    response = client.post(
        reverse("referrals:new"),
        {
            "nhs_number": factories.valid_nhs_number(),
            "given_name": "Ruth",
            "family_name": "Adeyemi",
            "date_of_birth[day]": "2",
            "date_of_birth[month]": "3",
            "date_of_birth[year]": "1950",
            "postcode": "NN1 1AA",
            "phone": "07700 900456",
            "email": "",
            "preferred_contact": "phone",
            "needs": [str(Need.objects.get(code="loneliness").pk)],
            "context": "Recently moved.",
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert Referral.objects.get().service == covering


def test_a_gp_systems_fhir_referral_routes_by_its_practice(client, here, two_services):
    _, covering = two_services
    Organisation.objects.filter(pk=here.pk).update(ods_code="Y90001")  # the example's code
    here.refresh_from_db()
    _, token = create_api_client(by=None, organisation=here, name="EMIS", scopes=list(Scope.values))
    example = Path(__file__).resolve().parents[2] / "docs/api/fhir-servicerequest-example.json"
    response = client.post(
        "/api/fhir/ServiceRequest",
        data=example.read_text(),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert Referral.objects.get().service == covering


def test_a_practices_csv_upload_routes_by_that_practice(client, here, two_services, run_tasks):
    _, covering = two_services
    client.force_login(factories.user(organisation=here, role="referrer"))
    values = {
        "nhs_number": factories.valid_nhs_number(),
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
        "context": "Looks after her husband",
        "consent_to_contact": "yes",
    }
    text = ",".join(COLUMNS) + "\n" + ",".join(values[c] for c in COLUMNS)
    client.post(reverse("referrals:uploads"), {"file": SimpleUploadedFile("r.csv", text.encode())})
    run_tasks()
    assert Referral.objects.get().service == covering


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
        "needs": ["new-parent"],
        "words": "Since the baby came I hardly see anyone",
        "practice_search": "Here Surgery",
        "consent_to_contact": "on",
        "website": "",
        "started": self_referral.form_token(),
    }
    data.update(changes)
    return data


def send_self_referral(client, data):
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        return client.post("/refer-yourself/", data)


def test_a_self_referral_routes_by_the_chosen_practice(client, here, two_services):
    _, covering = two_services
    response = send_self_referral(client, self_referral_form())
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert referral.person.registered_practice == here and referral.service == covering


def test_a_self_referral_without_a_gp_routes_by_the_nearest_practice(client, area, pcn):
    nearest = factories.practice(area=area, name="Abington Surgery", pcn=pcn, postcode="NN1 5BD")
    add_service(area, "Oldest service")
    covering = add_service(area, "Abington's service", practices=[nearest])
    send_self_referral(client, self_referral_form(practice_search="", no_gp="on"))
    assert Referral.objects.get().service == covering
