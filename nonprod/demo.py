"""Builds the demo county through the same actions the app uses, with plausible timelines
over the last twelve months. Time is moved with time-machine so each event carries the date
it would have happened; the actions themselves are untouched."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.actions import create_staff_user
from api.fhir.actions import create_api_client
from casework.actions import (
    discharge_case,
    record_availability,
    record_contact,
    record_what_matters,
    review_goal,
    set_goal,
)
from core.permissions import Role
from directory.actions import (
    assign_owner,
    flag_listing,
    propose_change,
    review_freshness,
    save_services,
)
from directory.models import Organization, Service
from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord
from geography.lookup import locate
from nonprod import (
    county,
    demo_administration,
    demo_categories,
    demo_doors,
    demo_history,
    demo_onward,
    demo_outcomes,
    demo_public_information,
    demo_second_factor,
)
from organisations.actions import create_area, create_organisation, create_pcn
from organisations.models import Area, Organisation
from referrals.actions import (
    PersonDetails,
    accept_referral,
    allocate_referral,
    create_referral,
    decline_referral,
    redirect_referral,
)
from referrals.models import DischargeReason, Need, Referral
from referrals.validators import nhs_number_check_digit

AREA_NAME = "Northamptonshire"
# The demo practice's FHIR API token, published in docs/api/fhir.md (demo only).
DEMO_API_TOKEN = "lwk_demo_abington_park_surgery_2026"
AREA_CODE = "E54000059"
PASSWORD = "amber-lantern-river-26"
EMAIL_DOMAIN = "demo.linkwork.test"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = ["High Street", "Market Square", "Church Lane", "Station Road", "Mill Lane"]

# How many people end up at each stage (scaled by `people`).
STAGES = [
    ("received", 0.06),
    ("accepted", 0.03),
    ("allocated", 0.08),
    ("active", 0.38),
    ("discharged", 0.33),
    ("declined", 0.07),
    ("redirected", 0.05),
]
DISCHARGE_MIX = [
    ("goals-met", 10),
    ("declined", 3),
    ("lost-contact", 3),
    ("moved-away", 2),
    ("needs-clinical-care", 2),
    ("other", 1),
]


@dataclass
class Login:
    email: str
    role: str
    organisation: str


def demo_loaded() -> bool:
    return Area.objects.filter(name=AREA_NAME).exists()


def logins() -> list[Login]:
    from accounts.models import User

    rank = {
        Role.TEAM_LEAD: 0,
        Role.LINK_WORKER: 1,
        Role.REFERRER: 2,
        Role.COMMISSIONER: 3,
        Role.PROVIDER: 4,
        Role.DIRECTORY_EDITOR: 5,
        Role.NATIONAL: 6,
        Role.SERVICE_ADMIN: 7,
        Role.SYSTEM_ADMIN: 8,
    }

    def order(user):
        number = "".join(c for c in user.email.split("@")[0] if c.isdigit())
        return rank[user.role], int(number or 0)

    users = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").select_related("organisation")
    return [
        Login(u.email, u.get_role_display(), u.organisation.name) for u in sorted(users, key=order)
    ]


def load(
    *,
    people: int = 150,
    activities: int = 300,
    history: int = 2400,
    seed: int = 2026,
    oidc_port: int = demo_administration.DEFAULT_OIDC_PORT,
    progress: Callable[[str], None] = print,
) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        setup = _organisations_and_staff(progress)
        demo_public_information.fill_in(setup.service.area, "Northamptonshire Social Prescribing")
        progress(f"Creating {activities} community activities")
        save_services(
            by=None,
            area=setup.service.area,
            records=demo_categories.tag(_activities(activities, rng)),
        )
        _providers_and_editor(setup, progress)
        create_api_client(
            by=None,
            organisation=setup.practices[0][0],
            name="Demo GP system",
            scopes=["system/ServiceRequest.write", "system/Task.read"],
            token=DEMO_API_TOKEN,
        )
        demo_onward.add_providers(
            setup.service.area, password=PASSWORD, email_domain=EMAIL_DOMAIN, progress=progress
        )
        # What the daily freshness review would have done: the oldest listings are hidden.
        review_freshness(by=None)
    stages = _stage_plan(people, rng)
    for number, stage in enumerate(stages, start=1):
        with transaction.atomic():
            _person_at_stage(stage, setup, rng, now)
        if number % 25 == 0 or number == len(stages):
            progress(f"  people: {number}/{len(stages)}")
    demo_doors.add(setup.practices, progress)
    demo_onward.waiting_for_providers(rng)
    demo_outcomes.alerts(progress)
    progress("Administrators, invitations, a leaver, and single sign-on")
    set_up_administration(setup.service, oidc_port=oidc_port)
    # (Before the catch-up, which sends the invitations' emails to the fake Notify.)
    demo_onward.catch_up(progress)
    if history:
        progress("Adding the county's past, its neighbours and the figures")
        demo_history.add(
            setup,
            rng,
            password=PASSWORD,
            email_domain=EMAIL_DOMAIN,
            progress=progress,
            referrals=history,
        )
    # The documented logins skip the second factor (demo accounts), but one shows it.
    demo_second_factor.set_up(
        email_domain=EMAIL_DOMAIN, password=PASSWORD, service_name=setup.service.name
    )


def set_up_administration(service: Organisation, *, oidc_port: int) -> None:
    """Also for a demo loaded before (load_demo): see nonprod/demo_administration.py."""
    from accounts.models import User

    demo_administration.set_up(
        area=service.area,
        service=service,
        team_lead=User.objects.get(email=f"teamlead@{EMAIL_DOMAIN}"),
        email_domain=EMAIL_DOMAIN,
        password=PASSWORD,
        oidc_port=oidc_port,
    )


@dataclass
class Setup:
    service: Organisation
    practices: list[tuple[Organisation, str, object]]  # practice, town, GP
    team_lead: object
    workers_by_town: dict[str, list]


def _organisations_and_staff(progress) -> Setup:
    progress("Creating the county, practices and staff")
    area = create_area(by=None, name=AREA_NAME, code=AREA_CODE)
    service = create_organisation(
        by=None,
        area=area,
        kind=Organisation.Kind.LINK_WORKER_SERVICE,
        name="Northamptonshire Social Prescribing Service",
        postcode="NN1 2BD",
        first_contact_target_days=5,
    )
    icb = create_organisation(
        by=None, area=area, kind=Organisation.Kind.COMMISSIONER, name="NHS Northamptonshire ICB"
    )
    pcn_for_town = {}
    for name, code, towns in county.PCNS:
        pcn = create_pcn(by=None, area=area, name=name, ods_code=code)
        pcn_for_town.update(dict.fromkeys(towns, pcn))

    def staff(number_email, name, organisation, role, title):
        return create_staff_user(
            by=None,
            email=f"{number_email}@{EMAIL_DOMAIN}",
            full_name=name,
            organisation=organisation,
            role=role,
            password=PASSWORD,
            job_title=title,
        )

    practices = []
    for i, ((name, town), gp_name) in enumerate(
        zip(county.PRACTICES, county.GP_NAMES, strict=True), start=1
    ):
        practice = create_organisation(
            by=None,
            area=area,
            kind=Organisation.Kind.GP_PRACTICE,
            name=name,
            ods_code=f"Y9{i:04d}",
            pcn=pcn_for_town[town],
            postcode=f"{county.TOWNS[town][0]} 1AA",
        )
        practices.append((practice, town, staff(f"gp{i}", gp_name, practice, Role.REFERRER, "GP")))
    team_lead = staff("teamlead", county.TEAM_LEAD, service, Role.TEAM_LEAD, "Team lead")
    workers_by_town: dict[str, list] = {}
    for i, (name, towns) in enumerate(county.LINK_WORKERS, start=1):
        worker = staff(f"linkworker{i}", name, service, Role.LINK_WORKER, "Link worker")
        for town in towns:
            workers_by_town.setdefault(town, []).append(worker)
    staff("commissioner", county.COMMISSIONER, icb, Role.COMMISSIONER, "Commissioning manager")
    return Setup(service, practices, team_lead, workers_by_town)


def _providers_and_editor(setup: Setup, progress) -> None:
    """A community provider who keeps the Towcester listings, with a change waiting, and a
    directory editor with a visitor's report to deal with."""
    area = setup.service.area
    provider_org = create_organisation(
        by=None,
        area=area,
        kind=Organisation.Kind.PROVIDER,
        name="Towcester Community Groups (VCSE)",
    )
    provider = create_staff_user(
        by=None,
        email=f"provider@{EMAIL_DOMAIN}",
        full_name="Carol Hughes",
        organisation=provider_org,
        role=Role.PROVIDER,
        password=PASSWORD,
        job_title="Volunteer coordinator",
    )
    create_staff_user(
        by=None,
        email=f"editor@{EMAIL_DOMAIN}",
        full_name="Sunil Varma",
        organisation=setup.service,
        role=Role.DIRECTORY_EDITOR,
        password=PASSWORD,
        job_title="Directory editor",
    )
    towcester = Organization.objects.filter(
        area=area, services__service_at_locations__location__city="Towcester"
    ).distinct()
    for organization in towcester:
        assign_owner(by=None, organization=organization, owner=provider_org)
    listing = Service.objects.filter(organization__owner=provider_org).order_by("name").first()
    if listing:
        propose_change(
            by=provider,
            service=listing,
            proposed={
                "description": listing.description + " Now with a quiet room.",
                "application_process": "Just turn up, or ring Carol first if you are nervous.",
            },
        )
        flag_listing(
            service=listing,
            message="The cafe has moved to the library on Park Street since September.",
        )
    progress("Provider and directory editor set up")


def _days_since_checked(rng: random.Random) -> int:
    """Most listings checked lately, some due a reminder, a few stale enough to hide."""
    low, high = rng.choices([(5, 180), (183, 360), (370, 540)], weights=[14, 4, 1])[0]
    return rng.randint(low, high)


# Venues that are public buildings always have a step-free way in.
ACCESSIBLE_VENUES = {
    "Library",
    "Leisure Centre",
    "Sports Centre",
    "Family Hub",
    "Arts Centre",
    "Council Offices",
    "Mind Centre",
    "Age Well Centre",
    "Pharmacy",
}
NOT_STEP_FREE = [
    "The room is up a flight of stairs and there is no lift.",
    "Two steps at the front door and no ramp.",
    "Steps down into the hall; the side door is too narrow for a wheelchair.",
    "Uneven paths and gravel; not suitable for wheelchairs.",
]
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
# Villages get a few listings each; towns by their number of postcode districts.
VILLAGE_WEIGHT = 0.07


def _activities(count: int, rng: random.Random) -> list[ServiceRecord]:
    """Each kind of activity in as many places as its spread (what every town has, in
    every town), then every kind once more per round; each time in a town or village that
    has none of that kind yet (bigger towns more likely), so that a place never has two
    copies of one group. Only past kinds × places does a place get a second, told apart by
    its venue and times."""
    weights = {town: float(len(districts)) for town, districts in county.TOWNS.items()}
    weights.update(dict.fromkeys(county.VILLAGES, VILLAGE_WEIGHT))
    places = list(weights)
    kinds = county.ACTIVITY_KINDS
    records = []
    organisation_ids: dict[str, UUID] = {}
    used_names: set[str] = set()
    placed: dict[tuple[int, str], int] = {}
    instances = [0] * len(kinds)
    for index in _plan(count, kinds):
        kind = kinds[index]
        free = [p for p in places if (index, p) not in placed]
        if kind.spread >= len(county.TOWNS):
            free = [p for p in free if p in county.TOWNS] or free
        place = rng.choices(free or places, [weights[p] for p in free or places])[0]
        again = placed.get((index, place), 0)
        placed[index, place] = again + 1
        instance = instances[index]
        instances[index] += 1
        if place in county.TOWNS:
            district = rng.choice(county.TOWNS[place])
            centre = locate(district)
            latitude = centre.latitude + rng.uniform(-0.012, 0.012)
            longitude = centre.longitude + rng.uniform(-0.018, 0.018)
            generic = [v for v in county.VENUES if v != "Village Hall"]
        else:
            district, latitude, longitude = county.VILLAGES[place]
            latitude += rng.uniform(-0.004, 0.004)
            longitude += rng.uniform(-0.006, 0.006)
            generic = ["Village Hall", "Church Hall", "Methodist Hall", "Scout Hut"]
        venue = rng.choice(kind.venues or generic)
        session = kind.sessions[(instance + again) % len(kind.sessions)]
        sessions = [_session(entry) for entry in session.split(", ") if entry]
        provider = kind.provider.format(town=place)
        venue_name = f"{provider} office" if venue == "Office" else f"{place} {venue}"
        day = DAY_NAMES[sessions[0][0].lstrip("1234-")] if sessions else ""
        fill = {"town": place, "venue": venue_name, "Day": day}
        template = kind.names[instance % len(kind.names)]
        label = template.format(**fill)
        if label in used_names:  # a name that says nothing, used elsewhere already
            label = f"{label} ({place})"
        while label in used_names:
            label = f"{label} ({venue})"
        used_names.add(label)
        description = kind.description.format(**fill)
        if again:  # a second group of this kind here (only past kinds × places)
            description += f" This group meets at {venue_name}, {_when(sessions)}."
        step_free = rng.random() < 0.7 or venue in ACCESSIBLE_VENUES
        maximum = rng.choice([None, 10, 12, 15, 20, 30])
        records.append(
            ServiceRecord(
                id=_demo_uuid(rng),
                organization_id=organisation_ids.setdefault(provider, _demo_uuid(rng)),
                organization_name=provider,
                name=label,
                description=description,
                # Ofcom's range for drama: no real line is ever rung from the demo.
                phone=f"01632 {rng.randint(960000, 960999)}",
                status="active",
                application_process=kind.join.format(**fill),
                eligibility_description=kind.eligibility.format(**fill),
                minimum_age=kind.ages[0],
                maximum_age=kind.ages[1],
                # Small groups with a name of their own ("Open Door") seldom tag what they
                # are for: only their description says it.
                need_codes=list(kind.needs) if "{town}" in template else [],
                capacity_maximum=maximum,
                capacity_available=None
                if maximum is None
                else rng.choice([0, 1, 2, 4, 6, maximum]),
                last_verified_on=timezone.localdate() - timedelta(days=_days_since_checked(rng)),
                locations=[
                    LocationRecord(
                        id=_demo_uuid(rng),
                        name=venue_name,
                        address_1=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                        city=place,
                        postal_code=f"{district} {rng.randint(1, 9)}"
                        f"{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}",
                        latitude=round(latitude, 5),
                        longitude=round(longitude, 5),
                        wheelchair_accessible=step_free,
                        accessibility_details="Step-free entrance and an accessible toilet."
                        if step_free
                        else rng.choice(NOT_STEP_FREE),
                    )
                ],
                schedules=[
                    ScheduleRecord(
                        id=_demo_uuid(rng),
                        freq="MONTHLY" if byday[0].isdigit() else "WEEKLY",
                        byday=byday,
                        opens_at=opens,
                        closes_at=closes,
                    )
                    for byday, opens, closes in sessions
                ],
                costs=[
                    CostRecord(
                        id=_demo_uuid(rng),
                        option="per session" if kind.price else "Free",
                        amount=Decimal(kind.price) if kind.price else Decimal(0),
                    )
                ],
            )
        )
        if kind.confidential:
            # The town, not the door. (The address was drawn all the same, so that every
            # later listing's id stays where the judged set has it.)
            location = records[-1].locations[0]
            location.name = f"{place} (address given on booking)"
            location.address_1, location.postal_code = "", district
            location.latitude, location.longitude = round(latitude, 2), round(longitude, 2)
    return records


def _plan(count: int, kinds: list[county.Kind]) -> list[int]:
    """Kind indices in the order they are placed: every kind once (a small demo has the
    widest variety), then the more common ones again up to their spread; past that (the
    load bench's thousands), every kind once more per round."""
    plan = [
        index
        for cycle in range(max(kind.spread for kind in kinds))
        for index, kind in enumerate(kinds)
        if kind.spread > cycle
    ]
    while len(plan) < count:
        plan += range(len(kinds))
    return plan[:count]


def _session(entry: str) -> tuple[str, time, time]:
    """ "2TU 14:00-16:00" -> ("2TU", 14:00, 16:00)."""
    byday, hours = entry.split(" ")
    opens, closes = hours.split("-")
    return byday, time.fromisoformat(opens), time.fromisoformat(closes)


def _when(sessions: list[tuple[str, time, time]]) -> str:
    if not sessions:
        return "by arrangement"
    return " and ".join(
        f"{DAY_NAMES[byday.lstrip('1234-')]}s {opens:%H:%M}-{closes:%H:%M}"
        for byday, opens, closes in sessions
    )


def _demo_uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def _stage_plan(people: int, rng: random.Random) -> list[str]:
    plan = []
    for stage, share in STAGES:
        plan += [stage] * max(1, round(people * share))
    rng.shuffle(plan)
    return plan[: max(people, len(STAGES))]


def _person_at_stage(stage: str, setup: Setup, rng: random.Random, now: datetime) -> None:
    practice, town, gp = rng.choice(setup.practices)
    age_days = {
        "received": rng.randint(0, 8),
        "accepted": rng.randint(1, 6),
        "allocated": rng.randint(3, 12),
        "active": rng.randint(20, 200),
        "discharged": rng.randint(90, 360),
        "declined": rng.randint(5, 360),
        "redirected": rng.randint(5, 360),
    }[stage]
    clock = _Clock(now - timedelta(days=age_days), now, rng)
    needs = _needs(rng)
    with clock.at(clock.start):
        referral = create_referral(
            by=gp,
            service=setup.service,
            person=_person(rng, town),
            needs=needs,
            context=rng.choice(
                county.CONTEXTS.get(needs[0].code, ["Would benefit from community support."])
            ),
            consent_to_contact=True,
            referring_organisation=practice,
            confirmed_new_person=True,
        )
    if stage == "received":
        return
    lead = setup.team_lead
    with clock.after(hours=rng.randint(4, 60)):
        if stage == "declined":
            reason = rng.choice(
                ["wrong_service", "needs_clinical_care", "safeguarding", "out_of_area"]
            )
            decline_referral(
                by=lead,
                referral=referral,
                version=referral.version,
                reason=reason,
                note="Discussed with the referring GP.",
            )
            return
        if stage == "redirected":
            redirect_referral(
                by=lead,
                referral=referral,
                version=referral.version,
                redirected_to=rng.choice(
                    [
                        "NHS Talking Therapies",
                        "Citizens Advice Northamptonshire",
                        "Community mental health team",
                    ]
                ),
            )
            return
        referral = accept_referral(by=lead, referral=referral, version=referral.version)
    if stage == "accepted":
        return
    worker = rng.choice(setup.workers_by_town[town])
    with clock.after(hours=rng.randint(1, 30)):
        referral = allocate_referral(
            by=lead, referral=referral, version=referral.version, worker=worker
        )
    if stage == "allocated":
        if rng.random() < 0.5:
            with clock.after(days=rng.randint(1, 3)):
                record_contact(
                    by=worker,
                    referral=referral,
                    occurred_at=clock.now,
                    mode="phone",
                    outcome="no_answer",
                    duration_minutes=2,
                )
        return
    _first_contact(referral, worker, clock, rng)
    with clock.at(clock.now):
        demo_outcomes.baseline(referral, worker, rng)
    demo_onward.connect(referral, worker, clock, rng)
    if stage == "discharged":
        _follow_ups(referral, worker, clock, rng, until=clock.start + timedelta(days=age_days - 20))
        demo_outcomes.follow_up(referral, worker, clock, rng)
        referral.refresh_from_db()
        code = rng.choices([c for c, _ in DISCHARGE_MIX], [w for _, w in DISCHARGE_MIX])[0]
        with clock.after(days=rng.randint(3, 14)):
            discharge_case(
                by=worker,
                referral=referral,
                version=referral.version,
                reason=DischargeReason.objects.get(code=code),
                note="Plan reviewed with the person."
                if code != "other"
                else "Person asked to pause; will re-refer if needed.",
            )
    else:
        _follow_ups(referral, worker, clock, rng, until=now - timedelta(days=1), booked=True)
        demo_outcomes.follow_up(referral, worker, clock, rng)


def _first_contact(referral: Referral, worker, clock, rng) -> None:
    for _ in range(rng.choice([0, 0, 1, 2])):
        with clock.after(days=rng.randint(1, 3)):
            record_contact(
                by=worker,
                referral=referral,
                occurred_at=clock.now,
                mode="phone",
                outcome=rng.choice(["no_answer", "left_message"]),
                duration_minutes=2,
            )
    with clock.after(days=rng.randint(1, 4)):
        record_contact(
            by=worker,
            referral=referral,
            occurred_at=clock.now,
            mode=rng.choice(["phone", "face_to_face", "home_visit"]),
            outcome="spoke",
            duration_minutes=rng.choice([30, 45, 60]),
            notes="First conversation: what matters, and what gets in the way.",
        )
        record_what_matters(
            by=worker, referral=referral, text=rng.choice(county.WHAT_MATTERS), replaces=None
        )
        for description in rng.sample(county.GOALS, rng.randint(1, 3)):
            set_goal(by=worker, referral=referral, description=description)
        if rng.random() < 0.8:
            record_availability(
                by=worker,
                referral=referral,
                days=sorted(
                    rng.sample(["mon", "tue", "wed", "thu", "fri", "sat"], rng.randint(1, 4))
                ),
                time_of_day=rng.choice(["", "morning", "morning", "afternoon", "evening"]),
                notes=rng.choice(["", "", "not in school holidays", "after the school run"]),
            )


def _follow_ups(referral, worker, clock, rng, *, until: datetime, booked: bool = False) -> None:
    while True:
        gap = timedelta(days=rng.randint(10, 28))
        if clock.now + gap > until:
            break
        with clock.after(days=gap.days):
            next_on = (clock.now + timedelta(days=rng.randint(10, 28))).date()
            record_contact(
                by=worker,
                referral=referral,
                occurred_at=clock.now,
                mode=rng.choice(["phone", "face_to_face", "video"]),
                outcome="spoke",
                duration_minutes=rng.choice([15, 20, 30]),
                notes=rng.choice(
                    [
                        "Went to the group last week and enjoyed it.",
                        "Finding it hard to go alone; offered to meet there.",
                        "Sleeping better. Talked about trying something new.",
                    ]
                ),
                next_follow_up_on=next_on if booked else None,
            )
            for goal in referral.goals.filter(status="active")[:1]:
                if rng.random() < 0.5:
                    review_goal(
                        by=worker,
                        goal=goal,
                        version=goal.version,
                        status=rng.choice(["active", "achieved", "partly"]),
                        progress='"I went twice and it was easier the second time."',
                    )


def _needs(rng) -> list[Need]:
    codes = list(county.CONTEXTS)
    chosen = [rng.choice(codes)]
    if rng.random() < 0.6:
        chosen.append(rng.choice(codes))
    return list(Need.objects.filter(code__in=chosen).order_by("position"))


def _person(rng, town) -> PersonDetails:
    district = rng.choice(county.TOWNS[town])
    inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    age = rng.choice([rng.randint(18, 40), rng.randint(40, 65), rng.randint(65, 92)])
    dob = timezone.localdate() - timedelta(days=age * 365 + rng.randint(0, 364))
    has_email = rng.random() < 0.4
    given = rng.choice(county.GIVEN_NAMES)
    family = rng.choice(county.FAMILY_NAMES)
    return PersonDetails(
        nhs_number=_nhs_number(rng),
        given_name=given,
        family_name=family,
        date_of_birth=dob,
        postcode=f"{district} {inward}",
        phone=f"07700900{rng.randint(0, 999):03d}",
        email=f"{given.lower()}.{family.lower()}@example.com" if has_email else "",
        preferred_contact=rng.choice(["phone", "phone", "text"] + (["email"] if has_email else [])),
        texts_allowed=rng.random() < 0.75,
        emails_allowed=has_email and rng.random() < 0.6,
    )


def _nhs_number(rng) -> str:
    # 999 numbers are never issued to real patients.
    while True:
        first_nine = f"999{rng.randint(0, 999999):06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


class _Clock:
    """Walks forward through a person's story, never past now, in working hours."""

    def __init__(self, start: datetime, end: datetime, rng: random.Random):
        self.start = self.now = self._working_hours(start, rng)
        self.end = end
        self.rng = rng

    def _working_hours(self, moment: datetime, rng) -> datetime:
        local = timezone.localtime(moment)
        return timezone.make_aware(
            datetime.combine(local.date(), time(rng.randint(9, 16), rng.randint(0, 59)))
        )

    def at(self, moment: datetime):
        self.now = min(moment, self.end - timedelta(minutes=5))
        return time_machine.travel(self.now, tick=False)

    def after(self, *, days: int = 0, hours: int = 0):
        moment = self.now + timedelta(days=days, hours=hours)
        if days:
            moment = self._working_hours(moment, self.rng)
        return self.at(max(moment, self.now + timedelta(minutes=1)))
