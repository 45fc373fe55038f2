from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Contact(BaseModel):
    """A contact or an attempt at one. Waiting time ends at the first successful contact."""

    class Mode(models.TextChoices):
        PHONE = "phone", "Phone"
        FACE_TO_FACE = "face_to_face", "Face to face"
        VIDEO = "video", "Video call"
        HOME_VISIT = "home_visit", "Home visit"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke with the person"
        NO_ANSWER = "no_answer", "No answer"
        LEFT_MESSAGE = "left_message", "Left a message"
        WRONG_DETAILS = "wrong_details", "Contact details wrong"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="contacts"
    )
    occurred_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    next_follow_up_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["referral", "occurred_at"], name="contact_by_referral")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=600),
                name="contact_duration_at_most_ten_hours",
            ),
        ]

    @property
    def successful(self):
        return self.outcome == self.Outcome.SPOKE


class WhatMatters(BaseModel):
    """ "What matters to me", in the person's words. Each save is a new version; the newest is
    current, so nothing a colleague wrote is ever overwritten unseen."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="what_matters"
    )
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A version can be replaced once only: two people editing the same version cannot
            # both win.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(replaces__isnull=True),
                name="what_matters_one_first_version",
            ),
        ]


class Goal(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Working on it"
        ACHIEVED = "achieved", "Achieved"
        PARTLY = "partly", "Partly achieved"
        STOPPED = "stopped", "No longer a goal"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="goals"
    )
    description = models.TextField(help_text="In the person's own words")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    progress = models.TextField(blank=True, help_text="Progress, in the person's own words")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at"]


class ActivitySuggestion(BaseModel):
    """An activity the link worker suggested to the person (signposting or a shortlist for
    an onward referral)."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="suggestions"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="suggestions"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "service"], name="suggestion_once"),
        ]

    def __str__(self):
        return f"{self.service_id} for {self.referral_id}"


class Availability(BaseModel):
    """When the person is free for activities, as they told their link worker: the days,
    and a time of day. Matching starts from it."""

    class TimeOfDay(models.TextChoices):
        ANY = "", "Any time"
        MORNING = "morning", "Mornings"
        AFTERNOON = "afternoon", "Afternoons"
        EVENING = "evening", "Evenings"

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="availability"
    )
    days = models.CharField(max_length=30, blank=True, help_text="mon,tue,… (none: any day)")
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, blank=True)
    notes = models.CharField(max_length=200, blank=True, help_text="In the person's words")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    @property
    def day_list(self) -> list[str]:
        return [d for d in self.days.split(",") if d]
