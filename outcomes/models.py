"""Outcome measurement: when questionnaires are due (a schedule per service), the requests
sent to people (with one-time links), their answers and scores, safety alerts, and the
message back to the GP. Personal data: reach it through the referral's scope."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Timepoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    MONTH_3 = "month-3", "3 months"
    MONTH_6 = "month-6", "6 months"
    MONTH_9 = "month-9", "9 months"
    MONTH_12 = "month-12", "12 months"
    DISCHARGE = "discharge", "Discharge"
    OTHER = "other", "Other"


class OutcomeSchedule(BaseModel):
    """When a service measures outcomes, and with what. Rows with no service are the
    default for every service; a service's own rows replace them."""

    class When(models.TextChoices):
        FIRST_CONTACT = "first_contact", "At first contact"
        MONTHS_AFTER = "months_after", "Months after first contact"
        DISCHARGE = "discharge", "At discharge"

    service = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outcome_schedule",
    )
    timepoint = models.CharField(max_length=20, choices=Timepoint.choices)
    when = models.CharField(max_length=20, choices=When.choices)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    instruments = models.CharField(max_length=200, help_text="Instrument codes, comma separated")
    # Extra instruments for people referred for a particular need (e.g. PHQ-9 for low mood).
    if_needs = models.JSONField(default=dict, blank=True, help_text="need code → [instruments]")

    class Meta:
        ordering = ["months"]
        constraints = [
            models.CheckConstraint(
                condition=Q(when="months_after", months__gte=1) | ~Q(when="months_after"),
                name="schedule_months_after_has_months",
            ),
        ]

    def __str__(self):
        return f"{self.get_timepoint_display()}: {self.instruments}"


class QuestionnaireRequest(BaseModel):
    """Questionnaires due from one person at one timepoint: sent as a link, chased, and
    completed by the person or with their link worker."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SENT = "sent", "Sent to them"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "No longer needed"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="questionnaire_requests"
    )
    timepoint = models.CharField(max_length=20, choices=Timepoint.choices)
    instruments = models.JSONField(help_text="Instrument codes, in the order asked")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DUE)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    link_worker_told_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Counted on the request, not on each link: a reminder's new link gives no new guesses.
    failed_dob_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(
        null=True, blank=True, help_text="Too many wrong dates of birth: links stop working"
    )

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="questionnaire_due"),
            # The reporting refresh: follow-ups that fell due since it last ran.
            models.Index(fields=["due_on"], name="questionnaire_due_on"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "timepoint"],
                condition=~Q(timepoint="other"),
                name="questionnaire_once_per_timepoint",
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | (~Q(status="completed") & Q(completed_at__isnull=True)),
                name="questionnaire_completed_iff_completed_at",
            ),
        ]


class QuestionnaireLink(BaseModel):
    """A one-time link to a request, sent by text or email. Only a hash of the token is
    kept: a database copy cannot be used to answer for someone."""

    request = models.ForeignKey(
        QuestionnaireRequest, on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)


class Response(BaseModel):
    """One instrument's answers at one timepoint, and the scores derived from them."""

    class By(models.TextChoices):
        PERSON = "person", "The person, on their own"
        LINK_WORKER = "link_worker", "The person, with their link worker"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="outcome_responses"
    )
    request = models.ForeignKey(
        QuestionnaireRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    instrument = models.CharField(max_length=30)
    version = models.CharField(max_length=30)
    timepoint = models.CharField(max_length=20, choices=Timepoint.choices)
    answers = models.JSONField(default=dict, help_text="Item key → answer value, as given")
    skipped = models.JSONField(default=list, help_text="Item keys the person chose to skip")
    measures = models.JSONField(default=dict, help_text="Derived scores, as strings")
    bands = models.JSONField(default=dict)
    complete = models.BooleanField(default=False)
    completed_by = models.CharField(max_length=20, choices=By.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["referral", "instrument"], name="response_by_measure")]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "instrument"],
                condition=Q(request__isnull=False),
                name="response_once_per_request",
            ),
            models.CheckConstraint(
                condition=Q(completed_by="person") | Q(recorded_by__isnull=False),
                name="response_link_worker_is_named",
            ),
        ]

    @property
    def when(self):
        return self.submitted_at or self.updated_at


class SafetyAlert(BaseModel):
    """A risk answer (PHQ-9 item 9 above zero, or any answer marked as a risk). Raised the
    moment it is saved, shown to the link worker and team lead, and it stays until someone
    says what they did."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="alerts")
    item = models.CharField(max_length=60)
    answer = models.CharField(max_length=100)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            models.Index(
                fields=["raised_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="alert_open",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="alert_once_per_answer"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | (
                    Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False)
                    & ~Q(action_taken="")
                ),
                name="alert_acknowledged_with_action",
            ),
        ]


class MessageBack(BaseModel):
    """What went back to the GP or referrer: a snapshot, as sent, shaped after the PRSB
    social prescribing standard, obeying the person's sharing choice."""

    class Reason(models.TextChoices):
        DISCHARGE = "discharge", "At discharge"
        UPDATE = "update", "Update on request"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="messages_back"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    sharing = models.CharField(max_length=10, help_text="The person's choice when it was made")
    content = models.JSONField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class HealthcareUse(BaseModel):
    """GP consultations and A&E attendances in the six months before the referral and the
    six months after it: entered on the person's page from what the practice says, or
    imported from practice data. The windows are stored as they were counted."""

    class Period(models.TextChoices):
        BEFORE = "before", "6 months before the referral"
        AFTER = "after", "6 months after the referral"

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered by the service"
        IMPORTED = "imported", "Imported from practice data"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="healthcare_use"
    )
    period = models.CharField(max_length=10, choices=Period.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day counted")
    gp_consultations = models.PositiveSmallIntegerField()
    ae_attendances = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "period"], name="healthcare_use_once"),
            models.CheckConstraint(
                condition=Q(starts_on__lt=models.F("ends_on")), name="healthcare_use_window"
            ),
            # Far beyond anyone's real use in six months: a typing slip, not a fact.
            models.CheckConstraint(
                condition=Q(gp_consultations__lte=150, ae_attendances__lte=100),
                name="healthcare_use_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.get_period_display()}: GP {self.gp_consultations}, A&E {self.ae_attendances}"
