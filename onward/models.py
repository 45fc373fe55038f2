"""Referrals from a link worker to a community activity (the "prescription"), answered by
the provider, with attendance and the end of it; and signposting, where the person is just
told about something. Personal data: reach it only through the scoped QuerySets."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from onward.states import OPEN, PLACE_HOLDING, Status


class OnwardReferralQuerySet(models.QuerySet):
    def for_provider(self, user):
        """What a provider's staff may see: referrals to their organisation's activities."""
        return self.filter(provider_id=user.organisation_id)

    def for_service(self, user):
        """What a link-worker service's staff may see: their own people's referrals."""
        return self.filter(referral__service_id=user.organisation_id)

    def open(self):
        return self.filter(status__in=sorted(OPEN))

    def awaiting_answer(self):
        return self.filter(status=Status.SENT)


class OnwardReferral(BaseModel):
    class DeclineReason(models.TextChoices):
        FULL = "full", "Full, with no waiting list"
        NOT_SUITABLE = "not_suitable", "Not suitable for them"
        NO_RESPONSE = "no_response", "They did not respond"

    class StopReason(models.TextChoices):
        CHOSE_TO_STOP = "chose_to_stop", "They chose to stop"
        NOT_ATTENDING = "not_attending", "They stopped coming"
        NOT_SUITABLE = "not_suitable", "It was not right for them"
        ACTIVITY_ENDED = "activity_ended", "The activity ended"
        OTHER = "other", "Other"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="onward_referrals"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="onward_referrals"
    )
    # The provider organisation answering it (the listing's owner when it was sent).
    provider = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="onward_received"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    # What the person agreed the provider may know, beyond their name and contact details.
    note_for_provider = models.TextField(blank=True)
    share_needs = models.BooleanField(default=False)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    status_changed_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    respond_by = models.DateField(help_text="The provider's deadline, in working days")
    remind_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    first_session_at = models.DateTimeField(null=True, blank=True)
    holds_place = models.BooleanField(
        default=False, help_text="Took one of the activity's counted spare places"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = OnwardReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["provider", "status", "sent_at"], name="onward_provider_inbox"),
            models.Index(fields=["status", "remind_on"], name="onward_clock"),
            # The provider's closed tab, newest first (onward.queries): a page of it reads
            # 25 entries of this index however many referrals have closed.
            models.Index(
                fields=["provider", "-closed_at", "-id"],
                condition=Q(closed_at__isnull=False),
                name="onward_provider_closed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "service"],
                condition=Q(status__in=sorted(OPEN)),
                name="onward_one_open_per_activity",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DECLINED) | ~Q(decline_reason=""),
                name="onward_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.STOPPED) | ~Q(stop_reason=""),
                name="onward_stopped_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=sorted(OPEN), closed_at__isnull=True)
                | (~Q(status__in=sorted(OPEN)) & Q(closed_at__isnull=False)),
                name="onward_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(holds_place=False) | Q(status__in=sorted(PLACE_HOLDING)),
                name="onward_place_only_while_taking_part",
            ),
            models.CheckConstraint(
                condition=Q(remind_on__lte=models.F("respond_by")),
                name="onward_reminder_before_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.service_id} for {self.referral_id} ({self.status})"


class OnwardEvent(BaseModel):
    """Everything that happened to an onward referral, immutable, with who and when."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status changed"
        ATTENDANCE = "attendance", "Attendance"
        NOTE = "note", "Message"
        REMINDER = "reminder", "Reminder"
        ESCALATION = "escalation", "Escalated"

    onward = models.ForeignKey(OnwardReferral, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    summary = models.CharField(max_length=255)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-created_at"]
        indexes = [models.Index(fields=["onward", "at"], name="onward_event_timeline")]


class Attendance(BaseModel):
    onward = models.ForeignKey(OnwardReferral, on_delete=models.PROTECT, related_name="attendances")
    session_on = models.DateField()
    attended = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-session_on"]
        constraints = [
            models.UniqueConstraint(fields=["onward", "session_on"], name="attendance_once_a_day"),
        ]


class Signpost(BaseModel):
    """The person was told about an activity (no referral, no loop to close)."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="signposts"
    )
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="For something not in the directory"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | ~Q(description=""),
                name="signpost_names_something",
            ),
        ]
