"""The demo's closed loop: more community providers on linkwork, people's consent choices,
and referrals to activities at every stage, each made through the actions at the time it
would have happened. Then the texts and emails of the past are sent to an in-process fake
Notify, so the demo starts with a clean queue and real delivery records."""

import logging
import random
from datetime import datetime, time, timedelta

import time_machine
from django.test import override_settings
from django.utils import timezone

from accounts.actions import create_staff_user
from core.permissions import Role
from core.run_tasks import run_due_tasks
from directory.actions import assign_owner
from directory.models import Organization, Service
from notifications.models import Message
from onward import actions
from onward.models import OnwardReferral
from organisations.actions import create_organisation
from organisations.models import Organisation
from referrals import deadlines

# (organisation, towns whose groups it looks after, staff: (email name, full name, job))
PROVIDERS = [
    (
        "Northampton Community Network (VCSE)",
        ["Northampton"],
        [
            ("provider2", "Aisha Patel", "Community connector"),
            ("provider3", "Tom Reilly", "Volunteer"),
        ],
    ),
    (
        "North Northants Wellbeing Collective",
        ["Kettering", "Corby"],
        [("provider4", "Grace Okafor", "Group coordinator")],
    ),
]
# What happens after a referral is sent, and how often.
OUTCOMES = [
    ("completed", 30),
    ("attending", 20),
    ("did_not_attend", 6),
    ("stopped", 6),
    ("waiting_list", 8),
    ("declined", 8),
    ("cancelled", 4),
    ("unanswered", 4),
    ("accepted_upcoming", 10),
]


def add_providers(area, *, password: str, email_domain: str, progress) -> None:
    for name, towns, staff in PROVIDERS:
        organisation = create_organisation(
            by=None, area=area, kind=Organisation.Kind.PROVIDER, name=name
        )
        for local, full_name, job in staff:
            create_staff_user(
                by=None,
                email=f"{local}@{email_domain}",
                full_name=full_name,
                organisation=organisation,
                role=Role.PROVIDER,
                password=password,
                job_title=job,
            )
        unowned = Organization.objects.filter(
            area=area,
            owner__isnull=True,
            services__service_at_locations__location__city__in=towns,
        ).distinct()
        for organization in unowned:
            assign_owner(by=None, organization=organization, owner=organisation)
    progress("More community providers answer referrals on linkwork")


def connect(referral, worker, clock, rng: random.Random) -> None:
    """After the first conversation: maybe a referral to an activity near them, maybe
    signposting, then whatever the provider did since."""
    town = referral.person.postcode.split()[0]
    nearby = list(
        Service.objects.public()
        .filter(
            area_id=referral.area_id,
            organization__owner__isnull=False,
            service_at_locations__location__postal_code__startswith=town,
            terms__need__in=referral.needs.all(),
        )
        .distinct()[:20]
    )
    if rng.random() < 0.2:
        with clock.after(days=rng.randint(1, 5)):
            actions.signpost(
                by=worker,
                referral=referral,
                description=rng.choice(
                    [
                        "Samaritans, 116 123",
                        "Citizens Advice West Northamptonshire",
                        "Age Well helpline",
                    ]
                ),
            )
    if not nearby or rng.random() < 0.25:
        return
    service = rng.choice(nearby)
    with clock.after(days=rng.randint(2, 10)):
        if service.capacity_available == 0 and rng.random() < 0.5:
            return
        onward = actions.refer_to_activity(
            by=worker,
            referral=referral,
            service=service,
            note_for_provider=rng.choice(
                ["", "", "Would like to be met at the door the first time."]
            ),
        )
    outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    days_left = (clock.end - clock.now).days
    if outcome == "unanswered" or days_left < 4:
        return
    staff = list(onward.provider.staff.filter(role=Role.PROVIDER))
    provider = rng.choice(staff)
    with clock.after(days=rng.randint(1, min(8, days_left - 2))):
        if outcome == "cancelled":
            actions.cancel(by=worker, onward=onward, version=onward.version, detail="Moved away")
            return
        if outcome == "declined":
            actions.decline(
                by=provider,
                onward=onward,
                version=onward.version,
                reason=rng.choice(["not_suitable", "no_response", "full"]),
            )
            return
        if outcome == "waiting_list" or service.capacity_available == 0:
            actions.add_to_waiting_list(by=provider, onward=onward, version=onward.version)
            return
        first = clock.now + timedelta(days=rng.randint(2, 6))
        onward = actions.accept(
            by=provider, onward=onward, version=onward.version, first_session_at=first
        )
    if outcome == "accepted_upcoming":
        return
    session = timezone.localtime(onward.first_session_at).date()
    attended = outcome != "did_not_attend"
    if session >= timezone.localdate(clock.end):
        return  # their first session is still to come
    with clock.at(timezone.make_aware(datetime.combine(session, time(15)))):
        onward = actions.record_attendance(
            by=provider, onward=onward, session_on=session, attended=attended
        )
    if outcome in ("attending", "did_not_attend"):
        return
    with clock.after(days=rng.randint(14, 60)):
        onward.refresh_from_db()
        actions.finish(
            by=provider,
            onward=onward,
            version=onward.version,
            completed=outcome == "completed",
            reason="" if outcome == "completed" else rng.choice(["chose_to_stop", "not_attending"]),
        )


def waiting_for_providers(rng: random.Random) -> None:
    """Every provider has referrals to answer: one from yesterday, one a week old (reminded)
    and one past its deadline (escalated to the team lead)."""
    from referrals.models import Referral
    from referrals.states import Status as EpisodeStatus

    now = timezone.now()
    active = list(
        Referral.objects.filter(status=EpisodeStatus.ACTIVE)
        .select_related("person", "allocated_to")
        .order_by("received_at")
    )
    for provider in Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).order_by("name"):
        listings = list(Service.objects.public().filter(organization__owner=provider)[:10])
        if not listings:
            continue
        for days_ago in (1, 8, 16):
            referral = rng.choice(active)
            service = rng.choice(listings)
            if OnwardReferral.objects.filter(referral=referral, service=service).exists():
                continue
            day = timezone.localdate(now) - timedelta(days=days_ago)
            sent_at = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16))))
            with time_machine.travel(min(sent_at, now), tick=False):
                actions.refer_to_activity(
                    by=referral.allocated_to, referral=referral, service=service
                )


def catch_up(progress) -> None:
    """Run today's deadline clocks, then send the past's texts and emails to a fake Notify
    in this process, and check their delivery, as the worker would have."""
    from notifications.fakes import DEMO_API_KEY, FakeNotify, templates_from_database

    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    now = timezone.now()
    fake = FakeNotify(templates=templates_from_database(), api_key=DEMO_API_KEY).start()
    sent = 0
    try:
        with override_settings(NOTIFY_API_KEY=DEMO_API_KEY, NOTIFY_BASE_URL=fake.base_url):
            # Each message at the moment it was due, and its delivery checked just after.
            due = Message.objects.filter(status="queued", send_after__lte=now)
            for moment in sorted(set(due.values_list("send_after", flat=True))):
                with time_machine.travel(moment + timedelta(seconds=1), tick=False):
                    sent += run_due_tasks()
                with time_machine.travel(moment + timedelta(minutes=2), tick=False):
                    sent += run_due_tasks()
            reminders = actions.run_clock()
            first_contact = deadlines.run_clock()
            sent += run_due_tasks()
            with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
                sent += run_due_tasks()
    finally:
        fake.stop()
    waiting = OnwardReferral.objects.filter(status="sent").count()
    progress(
        f"Referrals to activities: {OnwardReferral.objects.count()} ({waiting} waiting for a "
        f"provider; {reminders['reminded']} reminders and {reminders['escalated']} escalations "
        f"today); first-contact chasers: {first_contact['reminded']} + "
        f"{first_contact['escalated']}; {sent} background tasks run"
    )
