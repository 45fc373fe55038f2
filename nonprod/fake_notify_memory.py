"""What the demo's fake GOV.UK Notify knows when it starts: the messages already sent.

The real Notify keeps every notification it was sent. The fake keeps them in memory, so a
new `make demo` (or a restart of `manage.py fake_notify`) started with a fake that had
forgotten the texts and emails the last run sent. Their delivery checks, still booked (a
minute after sending, then 5, 30 minutes… for three days), asked it about them and were
told 404 "No result found": a warning each time, and the messages stayed "sent" for ever.
The fake therefore learns them from the database as it starts, and answers as it would
have: delivered, or the failure its test recipients act out."""

from datetime import UTC

from notifications.fakes import uk_mobile
from notifications.models import Channel, Message


def remember_sent_messages(fake) -> int:
    """Teach `fake` (a FakeNotify) every message sent through Notify and still waiting for
    its delivery status; how many it learnt."""
    sent = (
        Message.objects.filter(status=Message.Status.SENT)
        .exclude(notify_id="")
        .select_related("template")
        .order_by("sent_at")
    )
    learnt = 0
    for message in sent.iterator():
        if message.notify_id in fake.notifications:
            continue
        kind = "sms" if message.channel == Channel.SMS else "email"
        recipient = uk_mobile(message.to) if kind == "sms" else message.to.strip().lower()
        fake.notifications[message.notify_id] = {
            "id": message.notify_id,
            "type": kind,
            "recipient": recipient or message.to,
            "reference": message.reference,
            "template_id": str(message.template.notify_template_id),
            "subject": message.subject,
            "body": message.body,
            "personalisation": message.personalisation,
            "created_at": (message.sent_at or message.status_at).astimezone(UTC).isoformat(),
            "status": "created",  # the first look finds it delivered (or failed)
        }
        learnt += 1
    return learnt
