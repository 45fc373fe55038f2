from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import BaseModel
from referrals.demographics import EthnicCategory, Sex
from referrals.queries import PersonQuerySet, ReferralQuerySet
from referrals.references import MAX_LENGTH as REFERENCE_LENGTH
from referrals.references import reference_for
from referrals.states import OPEN, Status


class Need(BaseModel):
    """A reason for referral. Codes are data (loaded by migration, editable later)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    hint = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class DischargeReason(BaseModel):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    concept = models.ForeignKey(
        "core.Concept", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.label


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"


class ProviderSharing(models.TextChoices):
    CONTACT = "contact", "Their name and how to contact them"
    CONTACT_AND_NEEDS = (
        "contact_and_needs",
        "Their name, how to contact them and what they would like help with",
    )


class GPSharing(models.TextChoices):
    SUMMARY = "summary", "A summary: dates, activities, outcomes and codes"
    CODES = "codes", "Coded entries only"


class Person(BaseModel):
    """The person referred. Personal data: reach it only through `visible_to(user)`."""

    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    nhs_number = models.CharField(max_length=10, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=8)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices)
    registered_practice = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Their choices, recorded and obeyed everywhere (referrals.actions.record_consent).
    texts_allowed = models.BooleanField(
        default=False, help_text="Reminders and questionnaires by text message"
    )
    emails_allowed = models.BooleanField(
        default=False, help_text="Reminders and questionnaires by email"
    )
    share_with_providers = models.CharField(
        max_length=20, choices=ProviderSharing.choices, default=ProviderSharing.CONTACT
    )
    share_with_gp = models.CharField(
        max_length=10, choices=GPSharing.choices, default=GPSharing.SUMMARY
    )
    research_allowed = models.BooleanField(default=False)
    # Equality monitoring (optional; blank = not asked). Codings in referrals.demographics.
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(
        max_length=1, choices=EthnicCategory.choices, blank=True, help_text="NHS ethnic category"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # GOV.UK Notify said messages to these cannot be delivered: they need checking.
    phone_failed_at = models.DateTimeField(null=True, blank=True)
    email_failed_at = models.DateTimeField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "nhs_number"],
                condition=~Q(nhs_number=""),
                name="person_unique_nhs_number_in_area",
            ),
            models.CheckConstraint(
                condition=Q(nhs_number="") | Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="person_nhs_number_ten_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "date_of_birth", "family_name"], name="person_dob_name"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Referral(BaseModel):
    """One episode of social prescribing for one person with one link-worker service, from
    referral received to discharge. Status only changes through `referrals.actions`."""

    class Source(models.TextChoices):
        WEB_FORM = "web_form", "Referral form"
        SELF = "self", "Self-referral"
        FHIR = "fhir", "GP system (FHIR)"
        BULK = "bulk", "Bulk upload"

    class DeclineReason(models.TextChoices):
        WRONG_SERVICE = "wrong_service", "Wrong service for this person"
        NEEDS_CLINICAL_CARE = "needs_clinical_care", "Needs clinical care first"
        SAFEGUARDING = "safeguarding", "Safeguarding concern – escalated"
        OUT_OF_AREA = "out_of_area", "Lives outside the service's area"
        DUPLICATE = "duplicate", "Already referred: merged with their open referral"
        OTHER = "other", "Other"

    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    # What the person is told to quote (`referrals.references`): unique, and never changes.
    reference = models.CharField(max_length=REFERENCE_LENGTH, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    referring_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    needs = models.ManyToManyField(Need, related_name="+")
    context = models.TextField(blank=True)
    consent_to_contact = models.BooleanField()
    received_at = models.DateTimeField()

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField()
    # Bumped by every change that overwrites state, so two people acting on stale pages
    # cannot both win.
    version = models.PositiveIntegerField(default=1)

    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    # The first-contact clock, in working days from receipt (referrals.deadlines).
    first_contact_remind_on = models.DateField(null=True, blank=True)
    first_contact_due = models.DateField(null=True, blank=True)
    first_contact_reminded_at = models.DateTimeField(null=True, blank=True)
    first_contact_escalated_at = models.DateTimeField(null=True, blank=True)
    next_action = models.CharField(max_length=60, blank=True)
    next_action_due = models.DateField(null=True, blank=True)

    # Someone else's open episode of (probably) the same person with this service, found when
    # this referral arrived. The referrer is not told (it is not theirs to know): the
    # referral is taken, held apart on a person record of its own, and triage merges it into
    # that episode (declines it as a duplicate) or, if it is someone else, accepts it.
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="possible_duplicates",
    )
    # The NHS number as the referrer gave it, when the referral is held apart from the
    # person record that has that number (a possible duplicate): see `nhs_number`.
    referred_nhs_number = models.CharField(max_length=10, blank=True)

    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    redirected_to = models.CharField(max_length=200, blank=True)
    triage_note = models.TextField(blank=True)
    discharge_reason = models.ForeignKey(
        DischargeReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status__in=sorted(OPEN)),
                name="referral_one_open_episode_per_person_per_service",
            ),
            models.CheckConstraint(
                condition=Q(consent_to_contact=True), name="referral_requires_consent"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ALLOCATED, Status.ACTIVE])
                | Q(allocated_to__isnull=False, allocated_at__isnull=False),
                name="referral_allocated_has_worker",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DISCHARGED) | Q(discharge_reason__isnull=False),
                name="referral_discharged_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DECLINED) | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REDIRECTED) | ~Q(redirected_to=""),
                name="referral_redirected_has_destination",
            ),
            models.CheckConstraint(
                condition=Q(status__in=sorted(OPEN), closed_at__isnull=True)
                | Q(
                    status__in=[Status.DISCHARGED, Status.DECLINED, Status.REDIRECTED],
                    closed_at__isnull=False,
                ),
                name="referral_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(referred_nhs_number="") | Q(referred_nhs_number__regex=r"^[0-9]{10}$"),
                name="referral_referred_nhs_number_ten_digits",
            ),
            models.UniqueConstraint(fields=["reference"], name="referral_reference_unique"),
            models.CheckConstraint(condition=~Q(reference=""), name="referral_reference_not_blank"),
        ]
        indexes = [
            models.Index(fields=["service", "status", "received_at"], name="referral_queue"),
            models.Index(
                fields=["allocated_to", "status", "next_action_due"], name="referral_caseload"
            ),
            models.Index(
                fields=["referring_organisation", "received_at"], name="referral_sent_by_org"
            ),
            # The cases link workers hold now, in caseload order: the team's caseload counts
            # (casework.queries.workers_with_caseload) and a caseload read these and never
            # the closed history, which only grows.
            models.Index(
                fields=["allocated_to", "next_action_due", "received_at"],
                condition=Q(status__in=[Status.ALLOCATED, Status.ACTIVE]),
                name="referral_held",
            ),
            # A referral of someone another service or practice already referred carries
            # the NHS number it was made with: the duplicate check on every new referral
            # finds those by it.
            models.Index(
                fields=["referred_nhs_number"],
                condition=~Q(referred_nhs_number=""),
                name="referral_referred_nhs_number",
            ),
            models.Index(
                fields=["first_contact_remind_on"],
                condition=Q(first_contact_at__isnull=True, closed_at__isnull=True),
                name="referral_first_contact_clock",
            ),
        ]

    def __str__(self):
        return f"Referral of {self.person} received {self.received_at:%d %b %Y}"

    def save(self, *args, **kwargs):
        # `referrals.actions.create_referral` chooses an id whose reference is unused; a
        # referral made any other way through the ORM still gets the one made from its id.
        if self._state.adding and not self.reference:
            self.reference = reference_for(self.pk)
        super().save(*args, **kwargs)

    @property
    def first_contact_overdue(self) -> bool:
        return bool(
            self.first_contact_due
            and self.first_contact_at is None
            and self.closed_at is None
            and timezone.localdate() > self.first_contact_due
        )

    @property
    def is_open(self):
        return self.status in OPEN

    @property
    def nhs_number(self) -> str:
        """The NHS number as this referral knows it: a possible duplicate's own person
        record has none (another record has it), so the referrer's is kept here."""
        return self.referred_nhs_number or self.person.nhs_number


class ReferralEvent(BaseModel):
    """The person's timeline: an immutable row for everything that happened to the episode."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Referral received"
        STATUS = "status", "Status changed"
        ALLOCATED = "allocated", "Allocated"
        CONTACT = "contact", "Contact"
        CONTACT_ATTEMPT = "contact_attempt", "Contact attempt"
        WHAT_MATTERS = "what_matters", "What matters to me"
        GOAL_SET = "goal_set", "Goal set"
        GOAL_REVIEWED = "goal_reviewed", "Goal reviewed"
        ACTIVITY_SUGGESTED = "activity_suggested", "Activity suggested"
        AVAILABILITY = "availability", "When they are free"
        CONSENT = "consent", "Consent and sharing"
        CONTACT_DETAILS = "contact_details", "Contact details"
        ONWARD = "onward", "Activity referral"
        SIGNPOSTED = "signposted", "Signposted"
        MESSAGE = "message", "Message"
        DEADLINE = "deadline", "Deadline"
        OUTCOME = "outcome", "Questionnaire"
        SAFETY = "safety", "Safety alert"
        MESSAGE_BACK = "message_back", "Message back to the referrer"
        HEALTHCARE_USE = "healthcare_use", "GP and A&E use"
        ABOUT = "about", "About them (equality monitoring)"
        REFERRED_AGAIN = "referred_again", "Referred again"
        DISCHARGED = "discharged", "Discharged"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    summary = models.CharField(max_length=255)
    detail = models.TextField(blank=True)
    concept = models.ForeignKey(
        "core.Concept", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["referral", "at"], name="event_timeline"),
            # The reporting refresh finds what changed since it last ran.
            models.Index(fields=["created_at"], name="event_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status="", to_status="")
                | (~Q(to_status="") & ~Q(from_status=models.F("to_status"))),
                name="event_status_change_is_a_change",
            ),
        ]

    def __str__(self):
        return self.summary


class SelfReferralAttempt(models.Model):
    """A self-referral form sent, counted per (hashed) network address for an hour, so a
    script cannot flood the triage queue. Nothing else about the sender is kept."""

    id = models.BigAutoField(primary_key=True)
    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address_hash", "at"], name="self_referral_rate")]

    def __str__(self):
        return f"Self-referral at {self.at:%Y-%m-%d %H:%M}"


class BulkUpload(BaseModel):
    """A CSV of referrals from a partner without an API: checked row by row in the
    background, then made all together, or none if any row has a problem."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be checked"
        CHECKING = "checking", "Checking"
        DONE = "done", "Referrals made"
        REJECTED = "rejected", "Not imported: problems found"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.checked_rows / self.total_rows) if self.total_rows else 0
