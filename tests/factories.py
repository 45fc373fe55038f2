"""Test data, built through the same actions the app uses (so it is always valid)."""

import itertools
from datetime import date

import factory
from django.utils import timezone

from accounts.actions import create_staff_user
from casework.actions import record_contact
from core.ids import uuid7  # noqa: F401 - tests use factories.uuid7 for fresh ids
from organisations.actions import create_area, create_organisation, create_pcn
from referrals.actions import PersonDetails, allocate_referral, create_referral
from referrals.models import Need
from referrals.validators import nhs_number_check_digit

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def valid_nhs_number() -> str:
    """A fresh NHS number that passes the modulus-11 check (999 is the test range)."""
    while True:
        first_nine = f"999{next(_seq):06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def area(**kw):
    i = next(_seq)
    return create_area(by=None, name=kw.get("name", f"Area {i}"), code=kw.get("code", f"E{i:08d}"))


def service(area, **kw):
    i = next(_seq)
    return create_organisation(
        by=None,
        area=area,
        kind="link_worker_service",
        name=kw.get("name", f"Link worker service {i}"),
    )


def practice(area, **kw):
    i = next(_seq)
    pcn = kw.get("pcn") or create_pcn(by=None, area=area, name=f"PCN {i}", ods_code=f"U{i:05d}")
    return create_organisation(
        by=None,
        area=area,
        kind="gp_practice",
        name=kw.get("name", f"Practice {i}"),
        ods_code=f"K{i:05d}",
        pcn=pcn,
        postcode=kw.get("postcode", ""),
    )


def commissioner_org(area):
    i = next(_seq)
    return create_organisation(by=None, area=area, kind="commissioner", name=f"ICB {i}")


def user(*, organisation, role, full_name=None, second_factor=True):
    """A member of staff who has set up an authenticator app (its codes come from
    `tests.second_factor.code(user)`), unless second_factor=False."""
    from tests.second_factor import authenticator

    i = next(_seq)
    made = create_staff_user(
        by=None,
        email=f"user{i}@example.nhs.uk",
        full_name=full_name or f"User {i}",
        organisation=organisation,
        role=role,
        password=PASSWORD,
    )
    if second_factor:
        authenticator(made)
    return made


class PersonDetailsFactory(factory.Factory):
    class Meta:
        model = PersonDetails

    nhs_number = factory.LazyFunction(valid_nhs_number)
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = date(1960, 5, 17)
    postcode = "NN12 6AB"
    phone = "07700900982"
    email = ""
    preferred_contact = "phone"


def referral(*, by, service, needs=("loneliness",), person=None, **kw):
    return create_referral(
        by=by,
        service=service,
        person=person or PersonDetailsFactory(),
        needs=list(Need.objects.filter(code__in=needs)),
        context=kw.get("context", "Lives alone since her husband died."),
        consent_to_contact=True,
        referring_organisation=by.organisation if by else None,
        confirmed_new_person=kw.get("confirmed_new_person", False),
    )


def allocate(referral, *, by, worker):
    return allocate_referral(by=by, referral=referral, version=referral.version, worker=worker)


def contact(referral, *, by, outcome="spoke", when=None, **kw):
    return record_contact(
        by=by,
        referral=referral,
        occurred_at=when or timezone.now(),
        mode=kw.get("mode", "phone"),
        outcome=outcome,
        duration_minutes=kw.get("duration", 20),
        notes=kw.get("notes", ""),
        next_follow_up_on=kw.get("next_follow_up_on"),
    )


def activity(
    *,
    area,
    name="Happy Cafe",
    needs=("loneliness",),
    latitude=52.13,
    longitude=-0.99,
    town="Towcester",
    byday="TU",
    opens="10:00",
    closes="12:00",
    amount=None,
    capacity=None,
    maximum=None,
    wheelchair=False,
    description="",
    eligibility="",
    min_age=None,
    max_age=None,
    by=None,
    owner=None,
):
    from datetime import time
    from decimal import Decimal

    from directory.actions import save_services
    from directory.models import Service
    from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord

    record = ServiceRecord(
        id=uuid7(),
        organization_id=uuid7(),
        organization_name=f"{name} group",
        name=name,
        description=description or f"{name} in {town}",
        eligibility_description=eligibility,
        need_codes=list(needs),
        minimum_age=min_age,
        maximum_age=max_age,
        capacity_available=capacity,
        capacity_maximum=maximum,
        application_process="Just turn up",
        locations=[
            LocationRecord(
                id=uuid7(),
                name=f"{town} hall",
                city=town,
                postal_code="NN12 6AB",
                latitude=latitude,
                longitude=longitude,
                wheelchair_accessible=wheelchair,
            )
        ],
        schedules=[
            ScheduleRecord(
                id=uuid7(),
                byday=byday,
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
            )
        ]
        if byday
        else [],
        costs=[
            CostRecord(
                id=uuid7(),
                option="Free" if amount is None else "per session",
                amount=Decimal(amount) if amount is not None else Decimal(0),
            )
        ],
    )
    save_services(by=by, area=area, records=[record])
    service = Service.objects.get(pk=record.id)
    if owner is not None:
        from directory.actions import assign_owner

        assign_owner(by=None, organization=service.organization, owner=owner)
    return service


def provider_org(area):
    i = next(_seq)
    return create_organisation(by=None, area=area, kind="provider", name=f"Provider {i}")
