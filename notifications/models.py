"""Texts and emails: the templates (data), and every message we have asked GOV.UK Notify to
send, with what happened to it. A message is a row before it is a request, so nothing is
lost when Notify is down: the worker keeps trying, then tells a person."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel

PLACEHOLDER = re.compile(r"\(\(([a-z0-9_]+)\)\)")


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageTemplate(BaseModel):
    """A Notify template: its id in Notify, and our copy of its words, so that the record
    of each message says what the person was sent."""

    code = models.SlugField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    notify_template_id = models.UUIDField(unique=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="With ((placeholders)), as in Notify")
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["code", "channel"], name="template_code_channel"),
            models.CheckConstraint(
                condition=Q(channel="sms", subject="") | Q(channel="email"),
                name="template_sms_has_no_subject",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.channel})"

    @property
    def placeholders(self) -> list[str]:
        return sorted(set(PLACEHOLDER.findall(f"{self.subject} {self.body}")))

    def render(self, personalisation: dict) -> tuple[str, str]:
        def fill(text):
            return PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1), "")), text)

        return fill(self.subject), fill(self.body)


class Message(BaseModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        TEMPORARY_FAILURE = "temporary-failure", "Not delivered (phone off or inbox full)"
        PERMANENT_FAILURE = "permanent-failure", "Not delivered: the number or address is wrong"
        FAILED = "failed", "Could not be sent"
        NOT_SENT = "not_sent", "Not sent"

    # Nothing more will happen to a message in these states.
    FINAL = frozenset(
        {
            Status.DELIVERED,
            Status.TEMPORARY_FAILURE,
            Status.PERMANENT_FAILURE,
            Status.FAILED,
            Status.NOT_SENT,
        }
    )

    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254)
    personalisation = models.JSONField(default=dict)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    # Who it is for: a person (their record and episode), or a member of staff.
    person = models.ForeignKey(
        "referrals.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Each message is made once: the same reminder asked for twice is one message.
    reference = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    status_at = models.DateTimeField()
    send_after = models.DateTimeField()
    # Some messages are pointless late (a reminder once the session has begun).
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    notify_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveSmallIntegerField(default=0, help_text="Delivery status checks")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="message_due"),
            models.Index(fields=["person", "created_at"], name="message_by_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(to_user__isnull=False),
                name="message_has_a_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["sent", "delivered"]) | ~Q(notify_id=""),
                name="message_sent_has_notify_id",
            ),
        ]

    def __str__(self):
        return f"{self.template.code} to {self.to} ({self.status})"

    @property
    def is_problem(self) -> bool:
        return self.status in (
            self.Status.FAILED,
            self.Status.PERMANENT_FAILURE,
            self.Status.TEMPORARY_FAILURE,
        )
