"""Every change in outcome measurement: questionnaires scheduled and sent, answers saved
(by the person through their link, or with their link worker), safety alerts raised the
moment a risk answer is saved, and acknowledged."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import audit
from core.batches import in_batches
from core.dates import add_months
from core.errors import ActionError
from core.permissions import Permission, Role, require_permission
from notifications.actions import (
    cancel_messages,
    channel_for,
    email_staff,
    message_person,
    reachable,
)
from outcomes import instruments
from outcomes.models import (
    OutcomeSchedule,
    QuestionnaireLink,
    QuestionnaireRequest,
    Response,
    SafetyAlert,
    Timepoint,
)
from referrals.models import Referral, ReferralEvent

LINK_DAYS = 28  # how long a questionnaire link works
MAX_DOB_ATTEMPTS = 5
REMIND_AFTER = (timedelta(days=7), timedelta(days=14))  # two reminders, then a person
TELL_LINK_WORKER_AFTER = timedelta(days=21)
ESCALATE_ALERT_AFTER = timedelta(hours=1)
CLOCK_BATCH = 500  # rows the clock loads at a time; each run still goes through every one


def _site(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


@transaction.atomic
def schedule_for(service) -> list[OutcomeSchedule]:
    own = list(OutcomeSchedule.objects.filter(service=service))
    return own or list(OutcomeSchedule.objects.filter(service__isnull=True))


def _instruments_for(entry: OutcomeSchedule, referral: Referral) -> list[str]:
    codes = [c.strip() for c in entry.instruments.split(",") if c.strip()]
    needs = set(referral.needs.values_list("code", flat=True))
    for need, extra in (entry.if_needs or {}).items():
        if need in needs:
            codes += [c for c in extra if c not in codes]
    return codes


@transaction.atomic
def schedule_questionnaires(*, by, referral: Referral, first_contact_on: date) -> list:
    """At first contact: baseline due now, follow-ups due months later (the schedule)."""
    made = []
    for entry in schedule_for(referral.service):
        if entry.when == OutcomeSchedule.When.DISCHARGE:
            continue
        due = (
            first_contact_on
            if entry.when == OutcomeSchedule.When.FIRST_CONTACT
            else add_months(first_contact_on, entry.months)
        )
        made.append(_request(referral, entry.timepoint, _instruments_for(entry, referral), due))
    audit.record_change(by=by, verb="schedule_questionnaires", obj=referral, person=referral.person)
    return [m for m in made if m]


@transaction.atomic
def questionnaires_at_discharge(*, by, referral: Referral) -> QuestionnaireRequest | None:
    """At discharge: follow-ups not yet answered are no longer needed; the discharge one is.
    Every link already sent stops working now, and texts not yet gone (waiting for the end
    of quiet hours) will not go: only the discharge questionnaire is asked from now on."""
    now = timezone.now()
    QuestionnaireRequest.objects.filter(
        referral=referral,
        status__in=[QuestionnaireRequest.Status.DUE, QuestionnaireRequest.Status.SENT],
        timepoint__startswith="month-",
        due_on__gt=timezone.localdate(),
    ).update(status=QuestionnaireRequest.Status.CANCELLED)
    earlier = QuestionnaireRequest.objects.filter(referral=referral).exclude(
        timepoint=Timepoint.DISCHARGE
    )
    voided = QuestionnaireLink.objects.filter(request__in=earlier, expires_at__gt=now).update(
        expires_at=now
    )
    for request_id, reminders in earlier.filter(sent_at__isnull=False).values_list(
        "pk", "reminders"
    ):
        for count in range(reminders + 1):  # the person's texts only, not staff emails
            cancel_messages(
                by=by,
                reference_prefix=f"questionnaire:{request_id}:{count}:",
                reason="They were discharged",
            )
    if voided:
        audit.record_change(
            by=by,
            verb="void_questionnaire_links",
            obj=referral,
            person=referral.person,
            count=voided,
        )
    for entry in schedule_for(referral.service):
        if entry.when == OutcomeSchedule.When.DISCHARGE:
            return _request(
                referral, entry.timepoint, _instruments_for(entry, referral), timezone.localdate()
            )
    return None


def _request(referral, timepoint, codes, due_on):
    for code in codes:
        instruments.get(code)  # a schedule naming an unknown instrument fails loudly
    try:
        with transaction.atomic():
            return QuestionnaireRequest.objects.create(
                referral=referral, timepoint=timepoint, instruments=codes, due_on=due_on
            )
    except IntegrityError:
        return None  # already scheduled


# Answers


@transaction.atomic
def save_answers(
    *,
    by,
    referral: Referral,
    code: str,
    answers: dict,
    timepoint: str,
    request: QuestionnaireRequest | None = None,
    submit: bool = False,
    skip: tuple[str, ...] = (),
) -> Response:
    """Save what has been answered so far (a person saves as they go; a link worker saves
    the whole form). A risk answer raises its safety alert now, in this transaction.
    `by` is the link worker, or None for the person through their link."""
    if by is not None:
        require_permission(by, Permission.CASE_WORK)
    instrument = instruments.get(code)
    if request is not None and code not in request.instruments:
        raise ActionError(f"{instrument.name} is not part of this questionnaire")
    if request is not None and request.status in (
        QuestionnaireRequest.Status.COMPLETED,
        QuestionnaireRequest.Status.CANCELLED,
    ):
        raise ActionError("These questionnaires have already been completed")
    if timepoint not in Timepoint.values:
        raise ActionError("Choose when this is for", field="timepoint")
    try:
        cleaned = instruments.clean_answers(instrument, answers)
    except instruments.InvalidAnswer as error:
        raise ActionError(str(error)) from None
    now = timezone.now()
    response = None
    if request is not None:
        response = (
            Response.objects.select_for_update().filter(request=request, instrument=code).first()
        )
    if response is None:
        response = Response(
            referral=referral,
            request=request,
            instrument=code,
            version=instrument.version,
            timepoint=timepoint,
            completed_by=Response.By.PERSON if by is None else Response.By.LINK_WORKER,
            recorded_by=by,
        )
    merged = {k: v for k, v in {**response.answers, **cleaned}.items() if k not in skip}
    result = instruments.score(instrument, merged)
    response.answers = merged
    response.skipped = sorted((set(response.skipped) | set(skip)) - set(cleaned))
    response.measures = {k: str(v) for k, v in result.measures.items()}
    response.bands = result.bands
    response.complete = result.complete
    response.updated_at = now
    if submit and response.submitted_at is None:
        response.submitted_at = now
    if by is not None:
        response.recorded_by = by
        response.completed_by = Response.By.LINK_WORKER
    response.save()
    for key in result.risks:
        _raise_alert(response, instrument, key, merged[key], now)
    if submit:
        ReferralEvent.objects.create(
            referral=referral,
            at=now,
            by=by,
            kind=ReferralEvent.Kind.OUTCOME,
            summary=f"{instrument.name}: {Timepoint(timepoint).label.lower()}",
            detail=_summary(instrument, result),
        )
    if request is not None:
        _complete_if_done(request, now)
    audit.record_change(
        by=by, verb="save_answers", obj=response, person=referral.person, instrument=code
    )
    return response


def _summary(instrument, result) -> str:
    if not result.complete and not result.measures:
        return "Not all questions answered: " + "; ".join(result.notes)
    parts = [
        f"{name} {value}" + (f" ({result.bands[name]})" if name in result.bands else "")
        for name, value in result.measures.items()
    ]
    return ", ".join(parts + result.notes)


def _complete_if_done(request, now) -> None:
    submitted = set(
        request.responses.filter(submitted_at__isnull=False).values_list("instrument", flat=True)
    )
    if set(request.instruments) <= submitted:
        QuestionnaireRequest.objects.filter(pk=request.pk).exclude(
            status=QuestionnaireRequest.Status.COMPLETED
        ).update(status=QuestionnaireRequest.Status.COMPLETED, completed_at=now)
        QuestionnaireLink.objects.filter(request=request).update(expires_at=now)


def _raise_alert(response, instrument, key, value, now) -> None:
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(
                referral=response.referral,
                response=response,
                item=key,
                answer=instrument.label(value),
                raised_at=now,
            )
    except IntegrityError:
        return  # already raised for this answer
    referral = response.referral
    item = instrument.item(key)
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=None,
        kind=ReferralEvent.Kind.SAFETY,
        summary=f"Safety alert: {instrument.name} question {item.number}",
        detail=f"{item.text}: {instrument.label(value)}",
    )
    email_staff(
        by=None,
        users=_alert_recipients(referral),
        template_code="safety_alert",
        personalisation={"link": _site("outcomes:alert", pk=alert.pk)},
        reference=f"alert:{alert.pk}:raised",
        referral=referral,
    )
    audit.record_change(by=None, verb="raise_safety_alert", obj=alert, person=referral.person)


def _team_leads(referral):
    return User.objects.filter(organisation=referral.service, role=Role.TEAM_LEAD, is_active=True)


def _alert_recipients(referral):
    users = list(_team_leads(referral))
    if referral.allocated_to_id and referral.allocated_to.is_active:
        users.insert(0, referral.allocated_to)
    return users


@transaction.atomic
def acknowledge_alert(*, by, alert: SafetyAlert, action_taken: str) -> SafetyAlert:
    require_permission(by, Permission.CASE_WORK)
    action_taken = action_taken.strip()
    if not action_taken:
        raise ActionError("Say what you have done about it", field="action_taken")
    now = timezone.now()
    if not SafetyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by, action_taken=action_taken
    ):
        alert.refresh_from_db()
        raise ActionError(
            f"{alert.acknowledged_by.full_name} has already dealt with this alert: "
            f"{alert.action_taken}"
        )
    alert.refresh_from_db()
    ReferralEvent.objects.create(
        referral=alert.referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.SAFETY,
        summary="Safety alert dealt with",
        detail=action_taken,
    )
    audit.record_change(
        by=by, verb="acknowledge_safety_alert", obj=alert, person=alert.referral.person
    )
    return alert


# Links for the person


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open_to_the_person(request: QuestionnaireRequest) -> bool:
    """Whether the person may still answer this request through a link: while they are
    being seen, and the discharge questionnaire (asked at discharge) after. Anything else
    stops at discharge. `_open_to_the_person_q` is the same rule as a query filter."""
    return request.referral.closed_at is None or request.timepoint == Timepoint.DISCHARGE


def _open_to_the_person_q() -> Q:
    return Q(referral__closed_at__isnull=True) | Q(timepoint=Timepoint.DISCHARGE)


@dataclass(frozen=True)
class LinkSent:
    token: str
    channel: str  # "sms" or "email"
    goes_at: datetime  # when the worker may send it: now, or the end of quiet hours


def _send(by, request: QuestionnaireRequest, reminder: bool) -> LinkSent | None:
    referral = Referral.objects.select_related("person", "service").get(pk=request.referral_id)
    request.referral = referral
    if not _open_to_the_person(request):
        raise ActionError("They have been discharged: a link would no longer work")
    person = referral.person
    if channel_for(person) is None:
        return None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires = now + timedelta(days=LINK_DAYS)
    QuestionnaireLink.objects.create(request=request, token_hash=_hash(token), expires_at=expires)
    count = request.reminders + (1 if reminder else 0)
    message = message_person(
        by=by,
        person=person,
        referral=referral,
        template_code="questionnaire_reminder" if reminder else "questionnaire_link",
        personalisation={
            "name": person.given_name,
            "service": referral.service.name,
            "link": _site("outcomes:answer_start", token=token),
            "expires": f"{timezone.localtime(expires):%-d %B}",
        },
        reference=f"questionnaire:{request.pk}:{count}:{now:%Y%m%d%H%M%S%f}",
        expires_at=expires,
    )
    QuestionnaireRequest.objects.filter(pk=request.pk).update(
        status=QuestionnaireRequest.Status.SENT,
        sent_at=request.sent_at or now,
        last_sent_at=now,
        reminders=count,
    )
    audit.record_change(by=by, verb="send_questionnaire_link", obj=request, person=person)
    return LinkSent(token=token, channel=message.channel, goes_at=message.send_after)


@transaction.atomic
def send_link(*, by, request: QuestionnaireRequest, reminder: bool = False) -> str | None:
    """A fresh one-time link, by text or email as they agreed. Returns the token (it is
    stored only as a hash), or None if they agreed to neither."""
    sent = _send(by, request, reminder)
    return sent.token if sent else None


@transaction.atomic
def send_link_now(*, by, request: QuestionnaireRequest) -> LinkSent | None:
    """The link worker's "Send them a link now" (unlocking a locked link first). Says when
    the text or email will go, since quiet hours may hold it until morning; None if they
    agreed to neither."""
    require_permission(by, Permission.CASE_WORK)
    request = (
        QuestionnaireRequest.objects.select_for_update(of=("self",))
        .select_related("referral")
        .get(pk=request.pk)
    )
    if request.status not in (QuestionnaireRequest.Status.DUE, QuestionnaireRequest.Status.SENT):
        raise ActionError("These questionnaires are no longer waiting")
    if request.locked_at is not None:
        _unlock(request)
    return _send(by, request, reminder=False)


@transaction.atomic
def lookup_link(token: str) -> QuestionnaireLink | None:
    """The link for a token whatever its state (for the page after the last answer)."""
    return (
        QuestionnaireLink.objects.select_related("request")
        .filter(token_hash=_hash(token or ""))
        .first()
    )


class LinkUnusable(Exception):
    """Expired, used, unknown, locked, or they were discharged: the page says the same for
    each, on purpose, so a link tells whoever holds it nothing about the person."""


@transaction.atomic
def find_link(token: str) -> QuestionnaireLink:
    link = (
        QuestionnaireLink.objects.select_related("request__referral__person")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if (
        link is None
        or link.expires_at <= timezone.now()
        or link.request.locked_at is not None
        or link.request.status
        in (QuestionnaireRequest.Status.COMPLETED, QuestionnaireRequest.Status.CANCELLED)
        # Checked when used, not only voided at discharge: whatever closed the referral,
        # and however the link was made, it stops working.
        or not _open_to_the_person(link.request)
    ):
        raise LinkUnusable
    return link


@transaction.atomic
def verify_date_of_birth(*, link: QuestionnaireLink, date_of_birth: date) -> bool:
    """True if it matches. Wrong too many times, the request's links stop working and the
    link worker is told (someone may be guessing).

    Each guess first takes one of the request's attempts with a conditional UPDATE (one
    statement: parallel guesses cannot all read "4 so far"), and only then is compared; a
    guess that finds none left, or the link locked, is refused without being looked at. A
    right answer gives its attempt back."""
    taken = QuestionnaireRequest.objects.filter(
        pk=link.request_id, locked_at__isnull=True, failed_dob_attempts__lt=MAX_DOB_ATTEMPTS
    ).update(failed_dob_attempts=F("failed_dob_attempts") + 1)
    if not taken:
        return False
    request = QuestionnaireRequest.objects.select_related("referral__person").get(
        pk=link.request_id
    )
    person = request.referral.person
    now = timezone.now()
    if person.date_of_birth == date_of_birth:
        QuestionnaireRequest.objects.filter(pk=request.pk).update(
            failed_dob_attempts=F("failed_dob_attempts") - 1
        )
        QuestionnaireLink.objects.filter(pk=link.pk).update(verified_at=now)
        return True
    # The UPDATE above holds the row until commit: this count is this guess's own.
    if request.failed_dob_attempts >= MAX_DOB_ATTEMPTS:
        QuestionnaireRequest.objects.filter(pk=request.pk).update(locked_at=now)
        ReferralEvent.objects.create(
            referral=request.referral,
            at=now,
            by=None,
            kind=ReferralEvent.Kind.OUTCOME,
            summary="Questionnaire link locked after wrong dates of birth",
            detail="Check with them, and complete the questionnaires together or send a new link.",
        )
        audit.record_change(by=None, verb="lock_questionnaire_link", obj=request, person=person)
    return False


def _unlock(request: QuestionnaireRequest) -> None:
    QuestionnaireRequest.objects.filter(pk=request.pk).update(locked_at=None, failed_dob_attempts=0)
    QuestionnaireLink.objects.filter(request=request).update(expires_at=timezone.now())
    request.locked_at, request.failed_dob_attempts = None, 0


@transaction.atomic
def unlock_and_resend(*, by, request: QuestionnaireRequest) -> str | None:
    require_permission(by, Permission.CASE_WORK)
    _unlock(request)
    request.refresh_from_db()
    return send_link(by=by, request=request)


# The chasing clock (run by the periodic sweep)


def _reminder_due(now) -> Q:
    return Q(
        *(
            Q(reminders=number, sent_at__lte=now - after)
            for number, after in enumerate(REMIND_AFTER)
        ),
        _connector=Q.OR,
    )


# lint: not-atomic: a sweep: each item is its own transaction, so one failure undoes no other
def run_clock(now: datetime | None = None) -> dict:
    """Send what is due, remind, tell link workers, escalate alerts. Each run goes through
    every request that needs something (in batches), and a request that has had what it
    needs leaves the set: the link worker told that someone cannot be reached is not asked
    again every run, and cannot hold back everyone due after them."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"sent": 0, "reminded": 0, "told": 0, "escalated": 0}
    person = "referral__person__"
    waiting = QuestionnaireRequest.objects.filter(locked_at__isnull=True).filter(
        _open_to_the_person_q()
    )
    # Due: send it, or (once) tell the link worker they cannot be reached. Told, they stay
    # out until they can be reached (they may agree to texts later).
    due = waiting.filter(status=QuestionnaireRequest.Status.DUE, due_on__lte=today).filter(
        Q(link_worker_told_at__isnull=True) | reachable(person)
    )
    for request in in_batches(due.select_related("referral__person"), size=CLOCK_BATCH):
        try:
            sent = send_link(by=None, request=request)
        except ActionError:
            continue  # discharged since the batch was read: no longer due
        if sent:
            counts["sent"] += 1
        else:
            counts["told"] += _tell_link_worker(
                request, now, "They have not agreed to texts or emails"
            )
    # Sent: a reminder when one is due (or, if it cannot go, the link worker told once),
    # and the link worker told when the reminders have not brought it back.
    sent = waiting.filter(status=QuestionnaireRequest.Status.SENT).filter(
        (_reminder_due(now) & (Q(link_worker_told_at__isnull=True) | reachable(person)))
        | Q(
            reminders__gte=len(REMIND_AFTER),
            sent_at__lte=now - TELL_LINK_WORKER_AFTER,
            link_worker_told_at__isnull=True,
        )
    )
    for request in in_batches(sent.select_related("referral__person"), size=CLOCK_BATCH):
        waited = now - request.sent_at
        if request.reminders < len(REMIND_AFTER) and waited >= REMIND_AFTER[request.reminders]:
            try:
                reminded = send_link(by=None, request=request, reminder=True)
            except ActionError:
                continue
            if reminded:
                counts["reminded"] += 1
            else:
                counts["told"] += _tell_link_worker(
                    request,
                    now,
                    "A reminder could not go: they no longer agree to texts or emails, or "
                    "their details are wrong",
                )
        elif waited >= TELL_LINK_WORKER_AFTER and request.link_worker_told_at is None:
            counts["told"] += _tell_link_worker(request, now, "Not returned after two reminders")
    alerts = SafetyAlert.objects.filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        raised_at__lte=now - ESCALATE_ALERT_AFTER,
    ).select_related("referral")
    for alert in in_batches(alerts, size=CLOCK_BATCH):
        counts["escalated"] += _escalate_alert(alert, now)
    return counts


@transaction.atomic
def _tell_link_worker(request, now, why: str) -> int:
    if not QuestionnaireRequest.objects.filter(
        pk=request.pk, link_worker_told_at__isnull=True
    ).update(link_worker_told_at=now):
        return 0
    referral = request.referral
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=None,
        kind=ReferralEvent.Kind.OUTCOME,
        summary=f"{Timepoint(request.timepoint).label} questionnaires need you",
        detail=f"{why}. Complete them with them, by phone or in person.",
    )
    users = [referral.allocated_to] if referral.allocated_to_id else list(_team_leads(referral))
    email_staff(
        by=None,
        users=users,
        template_code="questionnaires_need_you",
        personalisation={"why": why, "link": _site("casework:case", pk=referral.pk)},
        reference=f"questionnaire:{request.pk}:told",
        referral=referral,
    )
    return 1


@transaction.atomic
def _escalate_alert(alert, now) -> int:
    if not SafetyAlert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(
        escalated_at=now
    ):
        return 0
    ReferralEvent.objects.create(
        referral=alert.referral,
        at=now,
        by=None,
        kind=ReferralEvent.Kind.SAFETY,
        summary="Safety alert not yet dealt with: team leads told again",
    )
    email_staff(
        by=None,
        users=_team_leads(alert.referral),
        template_code="safety_alert_escalation",
        personalisation={"link": _site("outcomes:alert", pk=alert.pk)},
        reference=f"alert:{alert.pk}:escalated",
        referral=alert.referral,
    )
    return 1


# The message back to the GP or referrer


@transaction.atomic
def send_message_back(*, by, referral: Referral, reason: str):
    """A snapshot for the referrer, obeying the person's sharing choice as it is now."""
    from outcomes import message_back
    from outcomes.models import MessageBack

    if by is not None:
        require_permission(by, Permission.CASE_WORK)
    if reason not in MessageBack.Reason.values:
        raise ActionError("Say why the message is being sent")
    referral = Referral.objects.select_related(
        "person",
        "service",
        "referrer",
        "referring_organisation",
        "allocated_to",
        "discharge_reason__concept",
    ).get(pk=referral.pk)
    message = MessageBack.objects.create(
        referral=referral,
        reason=reason,
        sharing=referral.person.share_with_gp,
        content=message_back.build(referral),
        by=by,
    )
    ReferralEvent.objects.create(
        referral=referral,
        at=message.created_at,
        by=by,
        kind=ReferralEvent.Kind.MESSAGE_BACK,
        summary=f"Message back to {referral.referring_organisation or 'the referrer'}"
        f" ({message.get_reason_display().lower()})",
        detail="Coded entries only, as they chose"
        if message.sharing != "summary"
        else "A summary, as they chose",
    )
    if referral.referrer_id:
        email_staff(
            by=by,
            users=[referral.referrer],
            template_code="message_back_ready",
            personalisation={
                "service": referral.service.name,
                "reason": message.get_reason_display().lower(),
                "link": _site("referrals:detail", pk=referral.pk),
            },
            reference=f"message-back:{message.pk}",
            referral=referral,
        )
    audit.record_change(by=by, verb="send_message_back", obj=message, person=referral.person)
    return message
