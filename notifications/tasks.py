"""The worker's side of messaging: send, retry with backoff, check delivery, and tell a
person when a message cannot get through.

A message is claimed (queued → sending) in a short transaction before Notify is called, so
two workers never send it twice and no database lock is held while waiting on the network.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core import queues
from core.batches import in_batches
from notifications.actions import outside_quiet_hours, still_allowed
from notifications.client import NotifyError, PermanentError, TemporaryError, notify
from notifications.models import Channel, Message
from referrals.models import Person, ReferralEvent

logger = logging.getLogger(__name__)

# Waits between tries when Notify is down or busy: about ten hours in all, then a person
# is told. Notify itself keeps trying a phone that is off for 72 hours.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# When to ask Notify how a sent message did: soon, then less often, for up to three days.
CHECK_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(hours=36),
]
# A message left "sending" this long was in a worker that died mid-request.
STUCK_AFTER = timedelta(minutes=10)
REQUEUE_BATCH = 500  # rows the safety net loads at a time; each run still reaches all


@task(queue_name=queues.TIME_CRITICAL)
def send_message(message_id: str) -> str:
    message = _claim(message_id)
    if message is None:
        return "nothing to do"
    template_id = str(message.template.notify_template_id)
    try:
        client = notify()
        send = client.send_sms if message.channel == Channel.SMS else client.send_email
        sent = send(
            to=message.to,
            template_id=template_id,
            personalisation=message.personalisation,
            reference=message.reference,
        )
    except TemporaryError as error:
        return _retry_later(message, error)
    except PermanentError as error:
        return _give_up(message, error)
    with transaction.atomic():
        now = timezone.now()
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENT,
            status_at=now,
            sent_at=now,
            notify_id=sent.notify_id,
            last_error="",
        )
        check_delivery.using(run_after=now + CHECK_DELAYS[0]).enqueue(str(message.pk))
    return "sent"


def _claim(message_id: str) -> Message | None:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("template", "person", "referral")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != Message.Status.QUEUED:
            return None  # already sent, given up or cancelled: a repeat task does nothing
        now = timezone.now()
        if message.send_after > now:
            send_message.using(run_after=message.send_after).enqueue(str(message.pk))
            return None
        why_not = still_allowed(message)
        if message.expires_at and now >= message.expires_at:
            why_not = "too late: it would no longer make sense"
        if why_not:
            message.status, message.status_at = Message.Status.NOT_SENT, now
            message.last_error = f"Not sent: {why_not}"
            message.save(update_fields=["status", "status_at", "last_error"])
            return None
        if message.person_id and outside_quiet_hours(now) != now:
            # Retries must not wake people up either.
            message.send_after = outside_quiet_hours(now)
            message.save(update_fields=["send_after"])
            send_message.using(run_after=message.send_after).enqueue(str(message.pk))
            return None
        message.status, message.status_at = Message.Status.SENDING, now
        message.attempts += 1
        message.save(update_fields=["status", "status_at", "attempts"])
        return message


def _retry_later(message: Message, error: NotifyError) -> str:
    with transaction.atomic():
        now = timezone.now()
        if message.attempts >= MAX_ATTEMPTS:
            return _give_up(message, error, tried=True)
        delay = RETRY_DELAYS[message.attempts - 1]
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.QUEUED,
            status_at=now,
            send_after=now + delay,
            last_error=_describe(error),
        )
        send_message.using(run_after=now + delay).enqueue(str(message.pk))
    logger.warning("Notify: %s; message %s tried again in %s", error.message, message.pk, delay)
    return "retry"


@transaction.atomic
def _give_up(message: Message, error: NotifyError, tried: bool = False) -> str:
    now = timezone.now()
    reason = _describe(error)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, status_at=now, last_error=reason
    )
    if isinstance(error, PermanentError) and error.bad_recipient and message.person_id:
        _mark_detail_wrong(message, now)
    what = "text" if message.channel == Channel.SMS else "email"
    summary = (
        f"A {what} could not be sent after {message.attempts} tries"
        if tried
        else f"A {what} could not be sent"
    )
    _tell_the_link_worker(message, summary, reason, now)
    logger.error("Notify gave up on message %s: %s", message.pk, reason)
    return "failed"


@task(queue_name=queues.TIME_CRITICAL)
def check_delivery(message_id: str) -> str:
    message = Message.objects.select_related("person", "referral").filter(pk=message_id).first()
    if message is None or message.status != Message.Status.SENT:
        return "nothing to do"
    try:
        status = notify().status(message.notify_id)
    except NotifyError as error:
        status = None
        logger.warning("Notify status for %s: %s", message.pk, error.message)
    now = timezone.now()
    with transaction.atomic():
        if status == "delivered":
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.DELIVERED, status_at=now
            )
            return "delivered"
        if status == "permanent-failure":
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.PERMANENT_FAILURE, status_at=now
            )
            if message.person_id:
                _mark_detail_wrong(message, now)
            what = "number" if message.channel == Channel.SMS else "email address"
            _tell_the_link_worker(
                message,
                f"Not delivered: the {what} {message.to} looks wrong",
                "GOV.UK Notify could not deliver to it. Check it with them.",
                now,
            )
            return "permanent-failure"
        if status == "temporary-failure":
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.TEMPORARY_FAILURE, status_at=now
            )
            _tell_the_link_worker(
                message,
                "Not delivered: their phone was off or their inbox full for 3 days",
                message.body[:200],
                now,
            )
            return "temporary-failure"
        if status == "technical-failure":
            # Notify's own problem: it was not sent, so send it again.
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.QUEUED, status_at=now, send_after=now, notify_id=""
            )
            send_message.enqueue(str(message.pk))
            return "resent"
        # Still on its way (created, sending, pending), or Notify did not answer.
        if message.checks + 1 >= len(CHECK_DELAYS):
            return "gave up checking"
        Message.objects.filter(pk=message.pk).update(checks=message.checks + 1)
        check_delivery.using(run_after=now + CHECK_DELAYS[message.checks + 1]).enqueue(
            str(message.pk)
        )
    return "pending"


def _mark_detail_wrong(message: Message, now) -> None:
    field = "phone" if message.channel == Channel.SMS else "email"
    Person.objects.filter(pk=message.person_id, **{field: message.to}).update(
        **{f"{field}_failed_at": now}
    )


def _tell_the_link_worker(message: Message, summary: str, detail: str, now) -> None:
    """On the person's timeline, where their link worker looks first; staff emails that
    fail are in the log and the message list."""
    if message.referral_id:
        ReferralEvent.objects.create(
            referral_id=message.referral_id,
            at=now,
            by=None,
            kind=ReferralEvent.Kind.MESSAGE,
            summary=summary[:255],
            detail=detail,
        )


def _describe(error: NotifyError) -> str:
    code = f" ({error.status_code})" if error.status_code else ""
    return f"GOV.UK Notify{code}: {error.message}"[:500]


def requeue_lost_messages() -> str:
    """The safety net: messages whose task was lost (a worker killed mid-send, a restored
    backup) are queued again. Run by the periodic sweep (core.periodic).

    Every such message is reached each run (a batch at a time), and each one booked again
    is stamped with the time (`send_after`, or `status_at` for one stuck sending) so that it
    leaves the set for STUCK_AFTER: one whose task keeps failing, or a long backlog the
    worker has not reached yet, is not booked again every run ahead of all the others."""
    now = timezone.now()
    before = now - STUCK_AFTER
    count = 0
    stuck = Message.objects.filter(status=Message.Status.SENDING, status_at__lt=before)
    for message in in_batches(stuck.only("pk"), size=REQUEUE_BATCH):
        with transaction.atomic():
            # Conditional: a worker may have finished it since the batch was read.
            if stuck.filter(pk=message.pk).update(
                status=Message.Status.QUEUED, status_at=now, send_after=now
            ):
                send_message.enqueue(str(message.pk))
                count += 1
    overdue = Message.objects.filter(status=Message.Status.QUEUED, send_after__lt=before)
    for message in in_batches(overdue.only("pk"), size=REQUEUE_BATCH):
        with transaction.atomic():
            if overdue.filter(pk=message.pk).update(send_after=now):
                send_message.enqueue(str(message.pk))
                count += 1
    return f"requeued {count}"
