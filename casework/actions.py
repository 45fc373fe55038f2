"""Changes a link worker makes to a case: contacts, what matters, goals, discharge."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import ActivitySuggestion, Availability, Contact, Goal, WhatMatters
from casework.presenters import describe_availability
from core import audit
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission, require_permission
from outcomes import actions as outcome_actions
from referrals.actions import change_status, claim, schedule_next_action
from referrals.models import DischargeReason, Referral, ReferralEvent
from referrals.states import OPEN, Status

WORKABLE = (Status.ALLOCATED, Status.ACTIVE)


def _lock_workable(referral: Referral, by) -> Referral:
    require_permission(by, Permission.CASE_WORK)
    locked = (
        Referral.objects.select_for_update().select_related("service", "person").get(pk=referral.pk)
    )
    if locked.status not in WORKABLE:
        raise ActionError(
            f"This case is '{locked.get_status_display().lower()}': it can only be worked on "
            "once it is allocated and until it is discharged."
        )
    return locked


@transaction.atomic
def record_contact(
    *,
    by,
    referral: Referral,
    occurred_at,
    mode: str,
    outcome: str,
    duration_minutes: int | None = None,
    notes: str = "",
    next_follow_up_on=None,
) -> Contact:
    referral = _lock_workable(referral, by)
    now = timezone.now()
    if occurred_at > now:
        raise ActionError("The contact must be in the past, not the future", field="occurred_at")
    # Times are entered to the minute, so a contact in the minute the referral arrived counts.
    if occurred_at < referral.received_at.replace(second=0, microsecond=0):
        raise ActionError(
            "The contact cannot be before the referral was received", field="occurred_at"
        )
    if next_follow_up_on and next_follow_up_on < timezone.localdate(occurred_at):
        raise ActionError(
            "The follow-up must be on or after the contact date", field="next_follow_up_on"
        )
    contact = Contact.objects.create(
        referral=referral,
        occurred_at=occurred_at,
        by=by,
        mode=mode,
        outcome=outcome,
        duration_minutes=duration_minutes,
        notes=notes,
        next_follow_up_on=next_follow_up_on,
    )
    summary = f"{contact.get_mode_display()}: {contact.get_outcome_display().lower()}"
    if duration_minutes:
        summary += f" ({duration_minutes} min)"
    ReferralEvent.objects.create(
        referral=referral,
        at=occurred_at,
        by=by,
        kind=ReferralEvent.Kind.CONTACT
        if contact.successful
        else ReferralEvent.Kind.CONTACT_ATTEMPT,
        summary=summary,
        detail=notes,
    )
    if contact.successful and referral.status == Status.ALLOCATED:
        referral = claim(referral, referral.version)
        referral.first_contact_at = occurred_at
        change_status(
            referral,
            Status.ACTIVE,
            by=by,
            at=max(occurred_at, referral.allocated_at),
            summary="First contact made",
        )
        outcome_actions.schedule_questionnaires(
            by=by, referral=referral, first_contact_on=timezone.localdate(occurred_at)
        )
    schedule_next_action(referral)
    referral.save()
    audit.record_change(by=by, verb="record_contact", obj=contact, person=referral.person)
    return contact


@transaction.atomic
def record_what_matters(
    *, by, referral: Referral, text: str, replaces: WhatMatters | None
) -> WhatMatters:
    """Save a new version of "what matters to me". `replaces` is the version the writer saw;
    if someone saved another since, the writer is told and their text is not lost."""
    referral = _lock_workable(referral, by)
    if not text.strip():
        raise ActionError("Write what matters to the person, in their words", field="text")
    current = referral.what_matters.order_by("-created_at").first()
    if current != replaces:
        raise ConcurrentChange(
            "Someone else saved 'what matters' while you were writing. Their version is shown; "
            "your text is kept below so you can merge it."
        )
    try:
        with transaction.atomic():
            entry = WhatMatters.objects.create(
                referral=referral, text=text.strip(), by=by, replaces=replaces
            )
    except IntegrityError:
        raise ConcurrentChange(
            "Someone else saved 'what matters' at the same moment. Check their version and "
            "save again."
        ) from None
    ReferralEvent.objects.create(
        referral=referral,
        at=entry.created_at,
        by=by,
        kind=ReferralEvent.Kind.WHAT_MATTERS,
        summary="'What matters to me' updated" if replaces else "'What matters to me' recorded",
        detail=entry.text,
    )
    audit.record_change(by=by, verb="record_what_matters", obj=entry, person=referral.person)
    return entry


@transaction.atomic
def set_goal(*, by, referral: Referral, description: str) -> Goal:
    referral = _lock_workable(referral, by)
    if not description.strip():
        raise ActionError("Write the goal in the person's words", field="description")
    now = timezone.now()
    goal = Goal.objects.create(
        referral=referral, description=description.strip(), created_by=by, updated_at=now
    )
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.GOAL_SET,
        summary="Goal set",
        detail=goal.description,
    )
    audit.record_change(by=by, verb="set_goal", obj=goal, person=referral.person)
    return goal


@transaction.atomic
def review_goal(*, by, goal: Goal, version: int, status: str, progress: str) -> Goal:
    _lock_workable(goal.referral, by)
    if status not in Goal.Status.values:
        raise ActionError("Choose how the goal is going", field="status")
    now = timezone.now()
    updated = Goal.objects.filter(pk=goal.pk, version=version).update(
        status=status, progress=progress.strip(), updated_at=now, version=version + 1
    )
    if not updated:
        raise ConcurrentChange(
            "Someone else reviewed this goal while you were looking at it. "
            "Their review is shown; check it and try again."
        )
    goal.refresh_from_db()
    ReferralEvent.objects.create(
        referral=goal.referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.GOAL_REVIEWED,
        summary=f"Goal reviewed: {goal.get_status_display().lower()}",
        detail=f"{goal.description}\n{goal.progress}".strip(),
    )
    audit.record_change(by=by, verb="review_goal", obj=goal, person=goal.referral.person)
    return goal


@transaction.atomic
def discharge_case(
    *, by, referral: Referral, version: int, reason: DischargeReason, note: str = ""
) -> Referral:
    require_permission(by, Permission.CASE_DISCHARGE)
    if referral.status not in OPEN:
        raise ActionError("This referral is already closed")
    referral = claim(referral, version)
    referral.discharge_reason = reason
    change_status(
        referral,
        Status.DISCHARGED,
        by=by,
        summary=f"Discharged: {reason.label}",
        detail=note,
        concept=reason.concept,
    )
    if referral.first_contact_at:
        outcome_actions.questionnaires_at_discharge(by=by, referral=referral)
    outcome_actions.send_message_back(by=by, referral=referral, reason="discharge")
    audit.record_change(
        by=by, verb="discharge_case", obj=referral, person=referral.person, reason=reason.code
    )
    return referral


@transaction.atomic
def suggest_activity(*, by, referral: Referral, service) -> ActivitySuggestion:
    referral = _lock_workable(referral, by)
    if service.area_id != referral.area_id or not service.published:
        raise ActionError("That activity is not in this area's directory")
    if referral.suggestions.filter(service=service).exists():
        raise ActionError(f"{service.name} is already on the shortlist")
    suggestion = ActivitySuggestion.objects.create(referral=referral, service=service, by=by)
    ReferralEvent.objects.create(
        referral=referral,
        at=suggestion.created_at,
        by=by,
        kind=ReferralEvent.Kind.ACTIVITY_SUGGESTED,
        summary=f"Activity suggested: {service.name}",
    )
    audit.record_change(by=by, verb="suggest_activity", obj=suggestion, person=referral.person)
    return suggestion


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@transaction.atomic
def record_availability(
    *, by, referral: Referral, days: list[str], time_of_day: str = "", notes: str = ""
) -> Availability:
    """When the person is free. Saving again replaces it: it is the person's answer now,
    and the timeline keeps what it was."""
    referral = _lock_workable(referral, by)
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise ActionError(f"'{unknown[0]}' is not a day of the week", field="days")
    if time_of_day not in Availability.TimeOfDay.values:
        raise ActionError("Choose a time of day", field="time_of_day")
    notes = notes.strip()
    if len(notes) > 200:
        raise ActionError("Keep the notes under 200 characters", field="notes")
    now = timezone.now()
    availability, _ = Availability.objects.update_or_create(
        referral=referral,
        defaults={
            "days": ",".join(d for d in WEEKDAYS if d in days),
            "time_of_day": time_of_day,
            "notes": notes,
            "updated_by": by,
            "updated_at": now,
        },
    )
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.AVAILABILITY,
        summary="When they are free: " + describe_availability(availability),
    )
    audit.record_change(by=by, verb="record_availability", obj=availability, person=referral.person)
    return availability
