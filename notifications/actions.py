"""Asking for a text or an email. A message is stored, with its send task, in the same
transaction as the change that wanted it: if the change rolls back, so does the message; if
it commits, the worker will send it, however long Notify is away.

People only get texts and emails on channels they agreed to, to details not known to be
wrong, and never in quiet hours. Staff get work emails without asking.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from notifications.models import Channel, Message, MessageTemplate
from referrals.models import ContactMethod, Person, ReferralEvent


def _quiet_hours() -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(t.strip()) for t in settings.QUIET_HOURS.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"LINKWORK_QUIET_HOURS={settings.QUIET_HOURS!r}: give it as HH:MM-HH:MM, "
            "like 20:00-08:00"
        ) from None
    return start, end


# lint: not-atomic: not an action: clock arithmetic, no database
def outside_quiet_hours(moment: datetime) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    start, end = _quiet_hours()
    local = timezone.localtime(moment)
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return moment
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end))


# lint: not-atomic: not an action: reads the person it is given, no database
def channel_for(person: Person) -> str | None:
    """The channel to reach this person on, or None: their preferred one if they agreed to
    it and it works, else the other one they agreed to."""
    usable = []
    if person.texts_allowed and person.phone and not person.phone_failed_at:
        usable.append(Channel.SMS)
    if person.emails_allowed and person.email and not person.email_failed_at:
        usable.append(Channel.EMAIL)
    if not usable:
        return None
    if person.preferred_contact == ContactMethod.EMAIL and Channel.EMAIL in usable:
        return Channel.EMAIL
    return usable[0]


# lint: not-atomic: not an action: builds a query filter, no database
def reachable(prefix: str = "") -> Q:
    """The people `channel_for` finds a channel for, as a query filter, so a duty can leave
    out in SQL those it cannot reach. `prefix` leads from another model to the person, as
    in "referral__person__". Keep it in step with `channel_for` (a test compares them)."""
    p = prefix
    sms = Q(**{f"{p}texts_allowed": True, f"{p}phone_failed_at__isnull": True}) & ~Q(
        **{f"{p}phone": ""}
    )
    email = Q(**{f"{p}emails_allowed": True, f"{p}email_failed_at__isnull": True}) & ~Q(
        **{f"{p}email": ""}
    )
    return sms | email


@transaction.atomic
def still_allowed(message: Message) -> str:
    """Why a queued message to a person may no longer go ('' if it may): they can change
    their mind, or their details can turn out wrong, after it was queued."""
    person = message.person
    if person is None:
        return ""
    if message.channel == Channel.SMS:
        if not person.texts_allowed:
            return "they no longer agree to texts"
        if person.phone_failed_at or person.phone != message.to:
            return "their phone number has changed or is wrong"
    else:
        if not person.emails_allowed:
            return "they no longer agree to emails"
        if person.email_failed_at or person.email != message.to:
            return "their email address has changed or is wrong"
    return ""


@transaction.atomic
def message_person(
    *,
    by,
    person: Person,
    referral,
    template_code: str,
    personalisation: dict,
    reference: str,
    send_after: datetime | None = None,
    expires_at: datetime | None = None,
) -> Message | None:
    """Queue a message to a person on the channel they chose. None (and a note on their
    timeline for the link worker) if there is no channel they agreed to."""
    existing = Message.objects.filter(reference__startswith=f"{reference}:").first()
    if existing:
        return existing
    channel = channel_for(person)
    now = timezone.now()
    if channel is None:
        ReferralEvent.objects.create(
            referral=referral,
            at=now,
            by=by,
            kind=ReferralEvent.Kind.MESSAGE,
            summary="No text or email sent: they have not agreed to either, or the details "
            "are wrong",
            detail=MessageTemplate.objects.filter(code=template_code)
            .values_list("description", flat=True)
            .first()
            or template_code,
        )
        return None
    to = person.phone if channel == Channel.SMS else person.email
    return _queue(
        template=MessageTemplate.objects.get(code=template_code, channel=channel),
        to=to,
        personalisation=personalisation,
        reference=f"{reference}:{channel}",
        send_after=outside_quiet_hours(max(send_after or now, now)),
        expires_at=expires_at,
        person=person,
        referral=referral,
        by=by,
    )


@transaction.atomic
def email_staff(
    *, by, users, template_code: str, personalisation: dict, reference: str, referral=None
) -> list[Message]:
    """Work emails to staff (no consent needed; quiet hours do not apply)."""
    template = MessageTemplate.objects.get(code=template_code, channel=Channel.EMAIL)
    messages = []
    for user in users:
        if not user.email or not user.is_active:
            continue
        ref = f"{reference}:user:{user.pk}"
        existing = Message.objects.filter(reference=ref).first()
        messages.append(
            existing
            or _queue(
                template=template,
                to=user.email,
                personalisation={"name": user.full_name, **personalisation},
                reference=ref,
                send_after=timezone.now(),
                to_user=user,
                referral=referral,
                by=by,
            )
        )
    return messages


def _queue(
    *, template, to, personalisation, reference, send_after, by, expires_at=None, **recipient
) -> Message:
    from notifications.tasks import send_message

    missing = [p for p in template.placeholders if p not in personalisation]
    if missing:
        # A programming error, not a person's: fail loudly in development and tests.
        raise ValueError(f"{template}: no value for {', '.join(missing)}")
    subject, body = template.render(personalisation)
    now = timezone.now()
    message = Message.objects.create(
        template=template,
        channel=template.channel,
        to=to,
        personalisation={k: str(v) for k, v in personalisation.items()},
        subject=subject,
        body=body,
        reference=reference,
        status=Message.Status.QUEUED,
        status_at=now,
        send_after=send_after,
        expires_at=expires_at,
        **recipient,
    )
    # The task row is written in this transaction: the message and the promise to send it
    # commit (or roll back) together.
    send_message.using(run_after=send_after if send_after > now else None).enqueue(str(message.pk))
    audit.record_change(
        by=by,
        verb="queue_message",
        obj=message,
        person=recipient.get("person"),
        template=template.code,
    )
    return message


@transaction.atomic
def cancel_messages(*, by, reference_prefix: str, reason: str) -> int:
    """Messages not yet sent whose reference starts with this (a cancelled referral's
    reminders): they will not go."""
    now = timezone.now()
    cancelled = Message.objects.filter(
        reference__startswith=reference_prefix, status=Message.Status.QUEUED
    ).update(status=Message.Status.NOT_SENT, status_at=now, last_error=reason[:500])
    if cancelled:
        audit.record_change(by=by, verb="cancel_messages", prefix=reference_prefix, count=cancelled)
    return cancelled
