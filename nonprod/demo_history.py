"""The demo's past and its neighbours, for the figures: two and a half years of the county's
referrals (generated in bulk, nonprod.history), three neighbouring areas so the England view
has something to compare, a national analyst, the investment and illustrative unit costs,
and population figures — every one of them synthetic and labelled so."""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.actions import create_staff_user
from core.dates import add_months
from core.permissions import Role
from directory.actions import assign_owner, save_services
from directory.models import Organization, Service
from directory.records import LocationRecord, ServiceRecord
from geography.lookup import locate
from geography.models import Postcode
from nonprod import history
from nonprod.bulk_rows import RowWriter
from organisations.actions import create_area, create_organisation, create_pcn
from organisations.models import Organisation
from referrals.demographics import AGE_BANDS
from referrals.models import DischargeReason, Need, Person
from reporting import refresh
from reporting.models import Investment, PopulationFigure, UnitCost

# Link workers who joined the team over the years (the eight in county.py hold the demo's
# own people; these hold the history's open cases).
MORE_LINK_WORKERS = [
    "Abi Turner", "Ravi Chauhan", "Nicola Price", "Owen Hughes", "Zara Hussain",
    "Luke Barton", "Megan Ford", "Imran Sheikh", "Rachel Dunn", "Gareth Lloyd",
    "Sophie Kerr", "Adebayo Ade", "Hannah Fox", "Callum Reid", "Bethany Cross",
    "Tariq Aziz", "Lucy Harding", "Ryan Moss", "Jasmine Kaur", "Paul Nolan",
    "Emma Stokes", "Kofi Mensah",
]  # fmt: skip
# Fictional neighbours on real postcode districts (for places only).
NEIGHBOURS = [
    ("Riverside ICB (demo)", "E54990001", ["LE1", "LE2", "LE3", "LE4", "LE5", "LE11"], 1500),
    ("Moorland ICB (demo)", "E54990002", ["DE1", "DE21", "DE22", "DE23", "DE24", "DE7"], 1100),
    ("Fenland ICB (demo)", "E54990003", ["PE1", "PE2", "PE3", "PE4", "PE7", "PE13"], 800),
]
ENGLAND = ("England (national bodies)", "E92000001")
HISTORY_MONTHS = 30
UNIT_COST_SOURCE = (
    "Illustrative demo figure: replace with the current PSSRU Unit Costs of Health and Social "
    "Care (GP) or NHS National Cost Collection (A&E) before relying on it"
)
POPULATION_SOURCE = "Demo figures (synthetic, shaped like Census 2021 shares)"
AGE_SHARES = [21, 8, 13, 13, 13, 13, 10, 6.5, 2.5]
SEX_SHARES = {"female": 50.5, "male": 49.5}
ETHNIC_SHARES = {"white": 87, "asian": 5, "black": 3.5, "mixed": 2.5, "other": 1.5}


def add(setup, rng: random.Random, *, password: str, email_domain: str, progress, referrals: int):
    today = timezone.localdate()
    area = setup.service.area
    with transaction.atomic():
        extra = [
            create_staff_user(
                by=None,
                email=f"{name.lower().replace(' ', '.')}@team.{email_domain}",
                full_name=name,
                organisation=setup.service,
                role=Role.LINK_WORKER,
                password=password,
                job_title="Link worker",
            ).pk
            for name in MORE_LINK_WORKERS
        ]
        districts = sorted({d for ds in _county_towns().values() for d in ds})
        postcodes = _postcodes(districts, rng)
        _own_postcodes(area, rng)
        cast = history.Cast(
            area_id=area.pk,
            service_id=setup.service.pk,
            lead_id=setup.team_lead.pk,
            practices=[p.pk for p, _, _ in setup.practices],
            workers=[w.pk for ws in setup.workers_by_town.values() for w in ws] + extra,
            activities=_activities(area),
            needs=_needs(),
            reasons=dict(DischargeReason.objects.values_list("code", "id")),
            postcodes=postcodes,
            open_workers=extra,
        )
        _history(cast, referrals, today, rng, progress, area.name)
        _settings(area, today, postcodes)
    for name, code, neighbour_districts, count in NEIGHBOURS:
        scaled = round(count * referrals / 2400)  # neighbours keep their size relative
        with transaction.atomic():
            _neighbour(name, code, neighbour_districts, scaled, today, rng, progress, password)
    with transaction.atomic():
        england = create_area(by=None, name=ENGLAND[0], code=ENGLAND[1])
        nhs_england = create_organisation(
            by=None, area=england, kind=Organisation.Kind.NATIONAL, name="NHS England (demo)"
        )
        create_staff_user(
            by=None,
            email=f"national@{email_domain}",
            full_name="Nadia Brooks",
            organisation=nhs_england,
            role=Role.NATIONAL,
            password=password,
            job_title="Analyst, social prescribing programme",
        )
        for item, amount in (("gp_consultation", "49.00"), ("ae_attendance", "250.00")):
            UnitCost.objects.create(
                item=item,
                amount=Decimal(amount),
                source=UNIT_COST_SOURCE,
                price_year="2024/25",
                valid_from=date(2024, 4, 1),
            )
    progress("Working out the figures")
    refresh.rebuild_all()


def _county_towns():
    from nonprod import county

    return county.TOWNS


def _history(cast, count, today, rng, progress, name):
    writer = RowWriter()
    taken = set(Person.objects.filter(area_id=cast.area_id).values_list("nhs_number", flat=True))
    history.write(
        cast,
        count=count,
        first=add_months(today, -HISTORY_MONTHS),
        last=today - timedelta(days=3),
        today=today,
        rng=rng,
        writer=writer,
        numbers=history.nhs_numbers(rng, taken),
    )
    progress(f"  {name}: {count:,} past referrals with their stories")


def _postcodes(districts, rng) -> list[str]:
    rows = history.postcodes_for(districts, rng)
    existing = set(
        Postcode.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", flat=True)
    )
    Postcode.objects.bulk_create([Postcode(**r) for r in rows if r["code"] not in existing])
    return [r["code"] for r in rows]


def _own_postcodes(area, rng) -> None:
    """The demo's own people live at made-up postcodes too: give those a decile."""
    codes = set(Person.objects.filter(area=area).values_list("postcode", flat=True))
    known = set(Postcode.objects.filter(code__in=codes).values_list("code", flat=True))
    rows = []
    for code in sorted(codes - known):
        try:
            place = locate(code)
        except ValueError:
            continue
        rows.append(
            Postcode(
                code=code,
                precision="full",
                latitude=place.latitude,
                longitude=place.longitude,
                source="linkwork demo (synthetic)",
                lsoa=f"E01{rng.randint(0, 99999):06d}",
                imd_decile=rng.randint(1, 10),
            )
        )
    Postcode.objects.bulk_create(rows)


def _needs() -> dict:
    return dict(Need.objects.exclude(code="other").values_list("code", "id"))


def _activities(area) -> list[tuple[UUID, UUID]]:
    return list(
        Service.objects.filter(area=area, organization__owner__isnull=False).values_list(
            "id", "organization__owner_id"
        )
    )


def _settings(area, today, postcodes) -> None:
    Investment.objects.create(
        area=area,
        amount=Decimal("3570000"),
        starts_on=date(2024, 4, 1),
        ends_on=date(2027, 3, 31),
        description="Social prescribing outcomes contract (demo figures)",
    )
    _population(area, 800_000, postcodes)


def _population(area, people: int, postcodes) -> None:
    rows = []
    for (_, _, code, _), share in zip(AGE_BANDS, AGE_SHARES, strict=True):
        rows.append(("age_band", code, share))
    rows += [("sex", k, v) for k, v in SEX_SHARES.items()]
    rows += [("ethnic_group", k, v) for k, v in ETHNIC_SHARES.items()]
    deciles = Counter(
        Postcode.objects.filter(code__in=postcodes).values_list("imd_decile", flat=True)
    )
    total = sum(deciles.values()) or 1
    rows += [("imd_decile", str(d), 100 * deciles.get(d, 0) / total) for d in range(1, 11)]
    PopulationFigure.objects.bulk_create(
        PopulationFigure(
            area=area,
            dimension=dimension,
            value=value,
            people=round(people * share / 100),
            source=POPULATION_SOURCE,
        )
        for dimension, value, share in rows
    )


def _neighbour(name, code, districts, count, today, rng, progress, password) -> None:
    area = create_area(by=None, name=name, code=code)
    service = create_organisation(
        by=None,
        area=area,
        kind=Organisation.Kind.LINK_WORKER_SERVICE,
        name=f"{name.replace(' ICB (demo)', '')} Social Prescribing",
    )
    lead = create_staff_user(
        by=None,
        email=f"lead.{code.lower()}@neighbour.demo.linkwork.test",
        full_name=f"Team lead, {name}",
        organisation=service,
        role=Role.TEAM_LEAD,
        password=password,
    )
    practices = []
    for p in range(2):
        pcn = create_pcn(
            by=None, area=area, name=f"{name} PCN {p + 1}", ods_code=f"{code[-4:]}P{p}"
        )
        for i in range(5):
            practices.append(
                create_organisation(
                    by=None,
                    area=area,
                    kind=Organisation.Kind.GP_PRACTICE,
                    name=f"{districts[(p * 5 + i) % len(districts)]} Surgery {p * 5 + i + 1}",
                    ods_code=f"Y{code[-3:]}{p}{i}",
                    pcn=pcn,
                ).pk
            )
    workers = [
        create_staff_user(
            by=None,
            email=f"lw{i}.{code.lower()}@neighbour.demo.linkwork.test",
            full_name=f"Link worker {i}, {name}",
            organisation=service,
            role=Role.LINK_WORKER,
            password=password,
        ).pk
        for i in range(1, 7)
    ]
    provider = create_organisation(
        by=None, area=area, kind=Organisation.Kind.PROVIDER, name=f"{name} Community Groups"
    )
    records = []
    kinds = [
        ("Happy Cafe", ["loneliness"]),
        ("Walking group", ["physical-activity", "loneliness"]),
        ("Debt and benefits advice", ["money-debt"]),
        ("Relaxation class", ["anxiety", "low-mood"]),
        ("Parent and baby group", ["new-parent"]),
        ("Carers cafe", ["carer"]),
    ]
    organization_id = history._id(rng)
    for district in districts:
        centre = locate(district)
        for kind, needs in kinds:
            records.append(
                ServiceRecord(
                    id=history._id(rng),
                    organization_id=organization_id,
                    organization_name=f"{name} Community Groups",
                    name=f"{kind} ({district})",
                    need_codes=needs,
                    last_verified_on=today - timedelta(days=rng.randint(5, 150)),
                    locations=[
                        LocationRecord(
                            id=history._id(rng),
                            name=f"{district} Community Centre",
                            address_1="1 High Street",
                            city=district,
                            postal_code=f"{district} 1AA",
                            latitude=centre.latitude,
                            longitude=centre.longitude,
                        )
                    ],
                )
            )
    save_services(by=None, area=area, records=records)
    for organization in Organization.objects.filter(area=area):
        assign_owner(by=None, organization=organization, owner=provider)
    postcodes = _postcodes(districts, rng)
    cast = history.Cast(
        area_id=area.pk,
        service_id=service.pk,
        lead_id=lead.pk,
        practices=practices,
        workers=workers,
        activities=_activities(area),
        needs=_needs(),
        reasons=dict(DischargeReason.objects.values_list("code", "id")),
        postcodes=postcodes,
        open_workers=workers,
    )
    _history(cast, count, today, rng, progress, name)
    _population(area, 600_000 + 100 * count, postcodes)
