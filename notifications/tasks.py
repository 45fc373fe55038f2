"""The worker's side of messaging: send, retry with backoff, check delivery, and tell a
person when a message cannot get through.

A message is claimed (queued → sending) in a short transaction before Notify is called, so
two workers never send it twice and no database lock is held while waiting on the network.
"""

import logging
import time
from datetime import datetime, timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django_tasks import task

from core import queues
from core.batches import in_batches
from notifications.actions import outside_quiet_hours, still_allowed
from notifications.client import (
    Found,
    NotifyError,
    PermanentError,
    TemporaryError,
    notify,
)
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
# Once Notify has taken a message, recording that is tried again for this long (a database
# restart takes seconds) before the task gives up and leaves it to the safety net.
RECORD_SENT_FOR_SECONDS = 60
RECORD_SENT_FIRST_WAIT = 0.5  # doubling, up to
RECORD_SENT_LONGEST_WAIT = 10
# A message stuck "sending" that Notify cannot be asked about is left for the next run, so
# it is never sent twice; after this long a person is told instead of it waiting for ever.
UNKNOWN_GIVE_UP_AFTER = timedelta(hours=12)


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
    _record_sent_through_an_outage(message, sent.notify_id)
    return "sent"


def _record_sent_through_an_outage(message: Message, notify_id: str) -> None:
    """Notify has the message now: record it as sent, trying again on a fresh connection
    while the database is away (a restart). If it stays away, the error goes up and the
    message stays "sending"; `requeue_lost_messages` then finds it in Notify by its
    reference rather than sending it again."""
    deadline = time.monotonic() + RECORD_SENT_FOR_SECONDS
    wait = RECORD_SENT_FIRST_WAIT
    tries = 0
    while True:
        tries += 1
        try:
            with transaction.atomic():
                now = timezone.now()
                Message.objects.filter(pk=message.pk).update(
                    status=Message.Status.SENT,
                    status_at=now,
                    sent_at=now,
                    notify_id=notify_id,
                    last_error="",
                )
                check_delivery.using(run_after=now + CHECK_DELAYS[0]).enqueue(str(message.pk))
        except (OperationalError, InterfaceError) as error:
            if time.monotonic() + wait > deadline:
                logger.error(
                    "Message %s went to Notify (%s) but could not be recorded as sent after "
                    "%s tries: %s; the sweep will find it in Notify",
                    message.pk,
                    notify_id,
                    tries,
                    error,
                )
                raise
            if tries == 1:
                logger.warning(
                    "Message %s went to Notify (%s) but the database is away (%s); "
                    "recording it again for up to %s seconds",
                    message.pk,
                    notify_id,
                    error,
                    RECORD_SENT_FOR_SECONDS,
                )
            _drop_connection()
            _wait(wait)
            wait = min(wait * 2, RECORD_SENT_LONGEST_WAIT)
            continue
        if tries > 1:
            logger.warning("Message %s recorded as sent at try %s", message.pk, tries)
        return


def _drop_connection() -> None:
    """The next query opens a new connection: one the database dropped stays broken.
    Never inside a caller's transaction (a test's): closing it would lose their work."""
    if not connection.in_atomic_block:
        connection.close()


def _wait(seconds: float) -> None:
    time.sleep(seconds)


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
    worker has not reached yet, is not booked again every run ahead of all the others.

    One stuck "sending" may have reached Notify before its worker lost the database or
    died: Notify is asked for it by its reference first, so nobody gets it twice."""
    now = timezone.now()
    before = now - STUCK_AFTER
    count = 0
    stuck = Message.objects.filter(status=Message.Status.SENDING, status_at__lt=before)
    client, why_not = _client_to_ask()
    rows = stuck.only("pk", "reference", "status_at", "channel", "referral_id", "attempts")
    for message in in_batches(rows, size=REQUEUE_BATCH):
        found = None
        if client is not None and why_not is None:
            try:
                found = client.find_by_reference(message.reference)
            except NotifyError as error:
                # Notify is away: every other stuck message waits for the next run too,
                # rather than a time-out each.
                why_not = _describe(error)
                logger.warning(
                    "Notify could not be asked about messages stuck sending (%s); "
                    "they are left for the next run",
                    why_not,
                )
        if found is not None:
            count += _record_found(stuck, message, found, now)
        elif client is None or why_not is None:
            count += _queue_again(stuck, message, now)
        elif message.status_at < now - UNKNOWN_GIVE_UP_AFTER:
            _give_up_unknown(stuck, message, why_not, now)
    overdue = Message.objects.filter(status=Message.Status.QUEUED, send_after__lt=before)
    for message in in_batches(overdue.only("pk"), size=REQUEUE_BATCH):
        with transaction.atomic():
            if overdue.filter(pk=message.pk).update(send_after=now):
                send_message.enqueue(str(message.pk))
                count += 1
    return f"requeued {count}"


def _client_to_ask():
    """(client, None) to ask Notify; (None, None) when no key is set, so nothing can have
    gone and nothing can go (the send task gives up and tells a person, as for every
    message then), so queueing again cannot send it twice."""
    try:
        return notify(), None
    except PermanentError:
        return None, None


@transaction.atomic
def _queue_again(stuck, message: Message, now) -> int:
    # Conditional: a worker may have finished it since the batch was read.
    if stuck.filter(pk=message.pk).update(
        status=Message.Status.QUEUED, status_at=now, send_after=now
    ):
        send_message.enqueue(str(message.pk))
        return 1
    return 0


@transaction.atomic
def _record_found(stuck, message: Message, found: Found, now) -> int:
    """Notify had it: sent, as the lost task would have recorded; its delivery is checked
    from here as for any other."""
    try:
        sent_at = min(datetime.fromisoformat(found.created_at), now)
    except (ValueError, TypeError):  # not a time, or one without its zone
        sent_at = now
    if stuck.filter(pk=message.pk).update(
        status=Message.Status.SENT,
        status_at=now,
        sent_at=sent_at,
        notify_id=found.notify_id,
        last_error="",
    ):
        check_delivery.using(run_after=now + CHECK_DELAYS[0]).enqueue(str(message.pk))
        logger.warning(
            "Message %s was stuck sending but Notify has it (%s): recorded as sent, not sent again",
            message.pk,
            found.notify_id,
        )
    return 0


@transaction.atomic
def _give_up_unknown(stuck, message: Message, why: str, now) -> None:
    reason = f"Not known whether it was sent: {why}"[:500]
    if not stuck.filter(pk=message.pk).update(
        status=Message.Status.FAILED, status_at=now, last_error=reason
    ):
        return
    what = "text" if message.channel == Channel.SMS else "email"
    _tell_the_link_worker(
        message,
        f"A {what} may not have been sent: GOV.UK Notify could not be asked about it",
        reason,
        now,
    )
    logger.error("Gave up on message %s stuck sending: %s", message.pk, reason)
