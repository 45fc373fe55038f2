"""Every change to an onward referral: sent by the link worker, answered by the provider,
attendance, the end of it, messages between the two, and the deadline clock. Each move is
checked against `onward.states`, takes the version the person saw (two provider staff
answering at once: one wins), appends an `OnwardEvent`, notes it on the person's timeline,
and tells the other side by email."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import audit
from core.batches import in_batches
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission, Role, require_permission
from core.working_days import add_working_days
from directory.actions import release_place, take_place
from directory.models import Service
from notifications.actions import cancel_messages, email_staff, message_person
from onward.models import Attendance, OnwardEvent, OnwardReferral, Signpost
from onward.states import OPEN, PLACE_HOLDING, Status, check_transition
from organisations.models import Organisation
from referrals.models import ProviderSharing, Referral, ReferralEvent
from referrals.states import Status as EpisodeStatus

WORKABLE_EPISODE = (EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE)
REMINDER_TIME = time(10, 0)  # the day before a first session
FOLLOW_UP_TIME = time(11, 0)  # the day after it
CLOCK_BATCH = 1000  # rows the deadline clock loads at a time


def _link(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _provider_staff(provider: Organisation):
    return User.objects.filter(organisation=provider, role=Role.PROVIDER, is_active=True)


def _team_leads(service: Organisation):
    return User.objects.filter(organisation=service, role=Role.TEAM_LEAD, is_active=True)


def _link_worker_or_leads(referral: Referral):
    if referral.allocated_to_id and referral.allocated_to.is_active:
        return [referral.allocated_to]
    return list(_team_leads(referral.service))


@transaction.atomic
def refer_to_activity(
    *, by, referral: Referral, service: Service, note_for_provider: str = ""
) -> OnwardReferral:
    require_permission(by, Permission.CASE_WORK)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service")
        .get(pk=referral.pk)
    )
    if referral.status not in WORKABLE_EPISODE:
        raise ActionError("Activities can be referred to once the case is allocated and open")
    if service.area_id != referral.area_id or not service.published:
        raise ActionError("That activity is not in this area's directory")
    provider = service.organization.owner
    if provider is None:
        raise ActionError(
            f"{service.organization.name} does not answer referrals through linkwork yet: "
            "signpost them to it instead, and ask the directory editor to invite the group."
        )
    note = note_for_provider.strip()
    if len(note) > 2000:
        raise ActionError("Keep the note under 2,000 characters", field="note_for_provider")
    now = timezone.now()
    today = timezone.localdate(now)
    lw_service = referral.service
    try:
        with transaction.atomic():
            onward = OnwardReferral.objects.create(
                referral=referral,
                service=service,
                provider=provider,
                sent_by=by,
                sent_at=now,
                note_for_provider=note,
                share_needs=referral.person.share_with_providers
                == ProviderSharing.CONTACT_AND_NEEDS,
                status=Status.SENT,
                status_changed_at=now,
                respond_by=add_working_days(today, lw_service.response_working_days),
                remind_on=add_working_days(today, lw_service.reminder_working_days),
            )
    except IntegrityError:
        raise ActionError(f"{service.name} already has an open referral for them") from None
    full = service.capacity_available == 0
    _event(onward, by, now, OnwardEvent.Kind.STATUS, "", Status.SENT, "Referral sent")
    _timeline(
        onward,
        by,
        now,
        f"Referred to {service.name}" + (" (full: waiting list)" if full else ""),
        f"{provider.name} to answer by {onward.respond_by:%-d %B %Y}",
    )
    email_staff(
        by=by,
        users=_provider_staff(provider),
        template_code="provider_new_referral",
        personalisation={
            "activity": service.name,
            "service": lw_service.name,
            "respond_by": f"{onward.respond_by:%-d %B %Y}",
            "link": _link("onward:provider_referral", pk=onward.pk),
        },
        reference=f"onward:{onward.pk}:new",
    )
    audit.record_change(by=by, verb="refer_to_activity", obj=onward, person=referral.person)
    return onward


@transaction.atomic
def signpost(*, by, referral: Referral, service: Service | None = None, description: str = ""):
    require_permission(by, Permission.CASE_WORK)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in WORKABLE_EPISODE:
        raise ActionError("Signposting is recorded once the case is allocated and open")
    description = description.strip()
    if service is None and not description:
        raise ActionError("Say what you told them about", field="description")
    if service is not None and (service.area_id != referral.area_id or not service.published):
        raise ActionError("That activity is not in this area's directory")
    if len(description) > 300:
        raise ActionError("Keep it under 300 characters", field="description")
    item = Signpost.objects.create(
        referral=referral, service=service, description=description, by=by
    )
    ReferralEvent.objects.create(
        referral=referral,
        at=item.created_at,
        by=by,
        kind=ReferralEvent.Kind.SIGNPOSTED,
        summary=f"Signposted to {service.name if service else description}",
        detail=description if service else "",
    )
    audit.record_change(by=by, verb="signpost", obj=item, person=referral.person)
    return item


def _lock(onward: OnwardReferral, target: Status, by, version: int) -> OnwardReferral:
    """The row, locked, after checking the move is legal for `by` and nobody changed it
    since they looked."""
    locked = (
        OnwardReferral.objects.select_for_update(of=("self",))
        .select_related("service", "provider", "referral__person", "referral__service")
        .get(pk=onward.pk)
    )
    if locked.status != Status.CANCELLED and locked.version != version:
        raise ConcurrentChange(
            "Someone else has just changed this referral: the page now shows what they did."
        )
    check_transition(locked.status, target, by=by)  # a cancelled one says so, whatever version
    return locked


def _move(onward, target, by, now, summary, detail="", **fields) -> OnwardReferral:
    previous = onward.status
    onward.status = target
    onward.status_changed_at = now
    onward.version = F("version") + 1
    if target not in OPEN:
        onward.closed_at = now
    for name, value in fields.items():
        setattr(onward, name, value)
    onward.save()
    onward.refresh_from_db()
    _event(onward, by, now, OnwardEvent.Kind.STATUS, previous, target, summary, detail)
    return onward


def _event(onward, by, at, kind, from_status, to_status, summary, detail=""):
    OnwardEvent.objects.create(
        onward=onward,
        at=at,
        by=by,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        summary=summary[:255],
        detail=detail,
    )


def _timeline(onward, by, at, summary, detail=""):
    ReferralEvent.objects.create(
        referral_id=onward.referral_id,
        at=at,
        by=by,
        kind=ReferralEvent.Kind.ONWARD,
        summary=summary[:255],
        detail=detail,
    )


def _tell_link_worker(onward, by, what: str) -> None:
    email_staff(
        by=by,
        users=_link_worker_or_leads(onward.referral),
        template_code="onward_update",
        personalisation={
            "provider": onward.provider.name,
            "what": what,
            "activity": onward.service.name,
            "link": _link("casework:case", pk=onward.referral_id),
        },
        reference=f"onward:{onward.pk}:v{onward.version}",
        referral=onward.referral,
    )


@transaction.atomic
def accept(*, by, onward, version: int, first_session_at: datetime | None = None):
    onward = _lock(onward, Status.ACCEPTED, by, version)
    _require_provider(by, onward)
    now = timezone.now()
    if first_session_at is not None and first_session_at < now - timedelta(days=1):
        raise ActionError("The first session cannot be in the past", field="first_session")
    if not take_place(by=by, service=onward.service):
        raise ActionError(
            f"{onward.service.name} has no spare places left. Put them on the waiting list, "
            "or update your spare places if one has come free.",
            field="decision",
        )
    holds = onward.service.capacity_available is not None
    onward = _move(
        onward,
        Status.ACCEPTED,
        by,
        now,
        "Accepted",
        f"First session {timezone.localtime(first_session_at):%A %-d %B at %H:%M}"
        if first_session_at
        else "",
        answered_at=onward.answered_at or now,
        first_session_at=first_session_at,
        holds_place=holds,
    )
    _timeline(onward, by, now, f"{onward.service.name} accepted them")
    _tell_link_worker(onward, by, "accepted them")
    if first_session_at:
        _remind_person(onward, by, first_session_at)
    audit.record_change(by=by, verb="accept_onward", obj=onward, person=onward.referral.person)
    return onward


def _remind_person(onward, by, first_session_at: datetime) -> None:
    """A reminder the day before the first session, and "how did it go?" the day after,
    by text or email as the person agreed."""
    referral = onward.referral
    person = referral.person
    location = (
        onward.service.service_at_locations.select_related("location").first()
        if onward.service_id
        else None
    )
    where = location.location.name if location else "the usual place"
    worker = referral.allocated_to.full_name if referral.allocated_to_id else "your link worker"
    common = {
        "name": person.given_name,
        "activity": onward.service.name,
        "service": referral.service.name,
        "phone": onward.service.phone or "the number on your letter",
        "worker": worker,
    }
    local = timezone.localtime(first_session_at)
    day_before = timezone.make_aware(
        datetime.combine(local.date() - timedelta(days=1), REMINDER_TIME)
    )
    message_person(
        by=by,
        person=person,
        referral=referral,
        template_code="session_reminder",
        personalisation={**common, "when": f"{local:%A %-d %B at %H:%M}", "where": where},
        reference=f"onward:{onward.pk}:first-session:{local:%Y%m%d%H%M}",
        send_after=min(day_before, first_session_at - timedelta(hours=2)),
        expires_at=first_session_at - timedelta(minutes=30),
    )
    message_person(
        by=by,
        person=person,
        referral=referral,
        template_code="how_did_it_go",
        personalisation=common,
        reference=f"onward:{onward.pk}:how-did-it-go:{local:%Y%m%d}",
        send_after=timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), FOLLOW_UP_TIME)
        ),
        expires_at=first_session_at + timedelta(days=4),
    )


def _require_provider(by, onward):
    if by.organisation_id != onward.provider_id:
        raise ActionError("Only the provider it was sent to can answer this referral")


@transaction.atomic
def add_to_waiting_list(*, by, onward, version: int):
    onward = _lock(onward, Status.WAITING_LIST, by, version)
    _require_provider(by, onward)
    now = timezone.now()
    onward = _move(onward, Status.WAITING_LIST, by, now, "Put on the waiting list", answered_at=now)
    _timeline(onward, by, now, f"On the waiting list for {onward.service.name}")
    _tell_link_worker(onward, by, "on the waiting list")
    audit.record_change(by=by, verb="waitlist_onward", obj=onward, person=onward.referral.person)
    return onward


@transaction.atomic
def decline(*, by, onward, version: int, reason: str, detail: str = ""):
    onward = _lock(onward, Status.DECLINED, by, version)
    _require_provider(by, onward)
    if reason not in OnwardReferral.DeclineReason.values:
        raise ActionError("Choose why you cannot take them", field="reason")
    now = timezone.now()
    label = OnwardReferral.DeclineReason(reason).label
    onward = _move(
        onward,
        Status.DECLINED,
        by,
        now,
        f"Declined: {label.lower()}",
        detail.strip(),
        decline_reason=reason,
        answered_at=now,
    )
    _timeline(onward, by, now, f"{onward.service.name} declined: {label.lower()}", detail.strip())
    _tell_link_worker(onward, by, f"cannot take them ({label.lower()})")
    audit.record_change(by=by, verb="decline_onward", obj=onward, person=onward.referral.person)
    return onward


@transaction.atomic
def record_attendance(*, by, onward, session_on, attended: bool):
    require_permission(by, Permission.ONWARD_RESPOND)
    onward = (
        OnwardReferral.objects.select_for_update(of=("self",))
        .select_related("service", "provider", "referral__person", "referral__service")
        .get(pk=onward.pk)
    )
    _require_provider(by, onward)
    if onward.status not in PLACE_HOLDING:
        if onward.status == Status.CANCELLED:
            check_transition(onward.status, Status.ATTENDED, by=by)  # the clear message
        raise ActionError("Attendance is recorded once you have accepted them, until the end")
    today = timezone.localdate()
    if session_on > today:
        raise ActionError("That session has not happened yet", field="session_on")
    if session_on < timezone.localdate(onward.sent_at):
        raise ActionError("That is before they were referred", field="session_on")
    try:
        with transaction.atomic():
            Attendance.objects.create(
                onward=onward, session_on=session_on, attended=attended, recorded_by=by
            )
    except IntegrityError:
        raise ActionError(
            f"Attendance for {session_on:%-d %B} is already recorded", field="session_on"
        ) from None
    now = timezone.now()
    said = "Came" if attended else "Did not come"
    _event(onward, by, now, OnwardEvent.Kind.ATTENDANCE, "", "", f"{said} on {session_on:%-d %B}")
    target = Status.ATTENDED if attended else Status.DID_NOT_ATTEND
    if onward.status != Status.ATTENDED and onward.status != target:
        onward = _move(onward, target, by, now, Status(target).label)
        _timeline(onward, by, now, f"{onward.service.name}: {said.lower()} on {session_on:%-d %B}")
        _tell_link_worker(onward, by, f"{said.lower()} on {session_on:%-d %B}")
    audit.record_change(by=by, verb="record_attendance", obj=onward, person=onward.referral.person)
    return onward


@transaction.atomic
def finish(*, by, onward, version: int, completed: bool, reason: str = "", detail: str = ""):
    """Completed (provider), or stopped (provider or link worker, with a reason)."""
    target = Status.COMPLETED if completed else Status.STOPPED
    onward = _lock(onward, target, by, version)
    if by.role == Role.PROVIDER:
        _require_provider(by, onward)
    if not completed and reason not in OnwardReferral.StopReason.values:
        raise ActionError("Choose why it stopped", field="reason")
    now = timezone.now()
    summary = (
        "Completed" if completed else f"Stopped: {OnwardReferral.StopReason(reason).label.lower()}"
    )
    onward = _give_back_place(onward, by)
    shared = detail.strip() if by.role == Role.PROVIDER else ""  # a link worker's note stays theirs
    onward = _move(
        onward, target, by, now, summary, shared, stop_reason="" if completed else reason
    )
    _timeline(onward, by, now, f"{onward.service.name}: {summary.lower()}", detail.strip())
    if by.role == Role.PROVIDER:
        _tell_link_worker(onward, by, summary.lower())
    _stop_messages(onward, by, "finished")
    audit.record_change(by=by, verb="finish_onward", obj=onward, person=onward.referral.person)
    return onward


@transaction.atomic
def cancel(*, by, onward, version: int, detail: str = ""):
    onward = _lock(onward, Status.CANCELLED, by, version)
    now = timezone.now()
    onward = _give_back_place(onward, by)
    # The reason stays on the person's timeline: the provider only learns it was cancelled.
    onward = _move(onward, Status.CANCELLED, by, now, "Cancelled by the link worker")
    _timeline(onward, by, now, f"Referral to {onward.service.name} cancelled", detail.strip())
    email_staff(
        by=by,
        users=_provider_staff(onward.provider),
        template_code="provider_cancelled",
        personalisation={
            "activity": onward.service.name,
            "link": _link("onward:provider_referral", pk=onward.pk),
        },
        reference=f"onward:{onward.pk}:cancelled",
    )
    _stop_messages(onward, by, "the referral was cancelled")
    audit.record_change(by=by, verb="cancel_onward", obj=onward, person=onward.referral.person)
    return onward


def _give_back_place(onward, by):
    if onward.holds_place:
        release_place(by=by, service=onward.service)
        onward.holds_place = False
    return onward


def _stop_messages(onward, by, why: str) -> None:
    cancel_messages(by=by, reference_prefix=f"onward:{onward.pk}:first-session", reason=why)
    cancel_messages(by=by, reference_prefix=f"onward:{onward.pk}:how-did-it-go", reason=why)


@transaction.atomic
def add_note(*, by, onward, text: str):
    """A message between the provider and the link worker about this referral."""
    text = text.strip()
    if not text:
        raise ActionError("Write your message", field="text")
    if len(text) > 2000:
        raise ActionError("Keep it under 2,000 characters", field="text")
    now = timezone.now()
    from_provider = by.role == Role.PROVIDER
    who = onward.provider.name if from_provider else onward.referral.service.name
    _event(onward, by, now, OnwardEvent.Kind.NOTE, "", "", f"Message from {who}", text)
    if from_provider:
        users = _link_worker_or_leads(onward.referral)
        link = _link("casework:case", pk=onward.referral_id)
    else:
        users = _provider_staff(onward.provider)
        link = _link("onward:provider_referral", pk=onward.pk)
    count = onward.events.filter(kind=OnwardEvent.Kind.NOTE).count()
    email_staff(
        by=by,
        users=users,
        template_code="onward_note",
        personalisation={"from": who, "activity": onward.service.name, "link": link},
        reference=f"onward:{onward.pk}:note:{count}",
        referral=onward.referral if from_provider else None,
    )
    audit.record_change(by=by, verb="onward_note", obj=onward, person=onward.referral.person)


# The deadline clock (run by the periodic sweep, as nobody in particular: by=None)


# lint: not-atomic: a sweep: each item is its own transaction, so one failure undoes no other
def run_clock(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = escalated = 0
    # Each run goes through every one due, a batch at a time; each one dealt with is marked
    # (reminded_at, escalated_at) and so leaves the set.
    due = OnwardReferral.objects.filter(
        status=Status.SENT, reminded_at__isnull=True, remind_on__lte=today
    ).only("pk")
    for onward in in_batches(due, size=CLOCK_BATCH):
        reminded += _remind_provider(onward.pk, now)
    late = OnwardReferral.objects.filter(
        status=Status.SENT, escalated_at__isnull=True, respond_by__lte=today
    ).only("pk")
    for onward in in_batches(late, size=CLOCK_BATCH):
        escalated += _escalate(onward.pk, now)
    return {"reminded": reminded, "escalated": escalated}


@transaction.atomic
def _remind_provider(onward_id, now) -> int:
    onward = (
        OnwardReferral.objects.select_for_update(of=("self",))
        .select_related("service", "provider")
        .filter(pk=onward_id, status=Status.SENT, reminded_at__isnull=True)
        .first()
    )
    if onward is None:
        return 0
    OnwardReferral.objects.filter(pk=onward.pk).update(reminded_at=now)
    _event(onward, None, now, OnwardEvent.Kind.REMINDER, "", "", "Provider reminded")
    email_staff(
        by=None,
        users=_provider_staff(onward.provider),
        template_code="provider_reminder",
        personalisation={
            "activity": onward.service.name,
            "respond_by": f"{onward.respond_by:%-d %B %Y}",
            "link": _link("onward:provider_referral", pk=onward.pk),
        },
        reference=f"onward:{onward.pk}:reminder",
    )
    return 1


@transaction.atomic
def _escalate(onward_id, now) -> int:
    onward = (
        OnwardReferral.objects.select_for_update(of=("self",))
        .select_related("service", "provider", "referral__service")
        .filter(pk=onward_id, status=Status.SENT, escalated_at__isnull=True)
        .first()
    )
    if onward is None:
        return 0
    OnwardReferral.objects.filter(pk=onward.pk).update(escalated_at=now)
    summary = f"{onward.provider.name} has not answered by {onward.respond_by:%-d %B}"
    _event(onward, None, now, OnwardEvent.Kind.ESCALATION, "", "", "Escalated to the team lead")
    _timeline(onward, None, now, summary, "The team lead has been told.")
    email_staff(
        by=None,
        users=_team_leads(onward.referral.service),
        template_code="onward_escalation",
        personalisation={
            "provider": onward.provider.name,
            "activity": onward.service.name,
            "respond_by": f"{onward.respond_by:%-d %B %Y}",
            "link": _link("casework:case", pk=onward.referral_id),
        },
        reference=f"onward:{onward.pk}:escalation",
        referral=onward.referral,
    )
    return 1
