"""Reporting: facts derived from the casework records (one row per referral, per outcome
measure and per activity referral), the area-by-month roll-up the England view reads, and
the settings the value-for-money figures need (unit costs, investment, population).

Facts are derived data, rebuilt from the records by `reporting.refresh` (never edited by
hand), so the dashboards read narrow, indexed tables instead of joining the whole case
record. They hold no direct identifiers; person-level rows still only leave the service as
a pseudonymised extract."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import BaseModel


class ReferralFact(models.Model):
    """One referral (episode), with everything the dashboards count about it."""

    referral = models.OneToOneField(
        "referrals.Referral", primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    area = models.ForeignKey("organisations.Area", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    practice = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The person's GP practice (or the referring practice)",
    )
    pcn = models.ForeignKey(
        "organisations.PrimaryCareNetwork", null=True, on_delete=models.CASCADE, related_name="+"
    )
    person_id = models.UUIDField(help_text="For the pseudonymised extract only")
    month = models.DateField(help_text="First day of the month the referral was received")
    received_on = models.DateField()
    source = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    decline_reason = models.CharField(max_length=30, blank=True)
    discharge_reason = models.CharField(max_length=40, blank=True)
    closed_on = models.DateField(null=True)
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_contact_days = models.PositiveIntegerField(null=True)
    first_activity_days = models.PositiveIntegerField(null=True)
    contacts = models.PositiveIntegerField(default=0, help_text="Successful contacts")
    contact_attempts = models.PositiveIntegerField(default=0)
    onward_sent = models.PositiveIntegerField(default=0)
    onward_accepted = models.PositiveIntegerField(default=0)
    onward_attended = models.PositiveIntegerField(default=0)
    signposts = models.PositiveIntegerField(default=0)
    age_band = models.CharField(max_length=10)
    sex = models.CharField(max_length=10, blank=True)
    ethnic_group = models.CharField(max_length=12, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True)
    research_allowed = models.BooleanField(default=False)
    gp_before = models.PositiveSmallIntegerField(null=True)
    gp_after = models.PositiveSmallIntegerField(null=True)
    ae_before = models.PositiveSmallIntegerField(null=True)
    ae_after = models.PositiveSmallIntegerField(null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["area", "month"], name="fact_area_month"),
            models.Index(fields=["service", "month"], name="fact_service_month"),
            models.Index(fields=["practice", "month"], name="fact_practice_month"),
            models.Index(fields=["pcn", "month"], name="fact_pcn_month"),
        ]

    def __str__(self):
        return f"Referral {self.referral_id} ({self.status})"


class FactTag(models.Model):
    """The many-valued things about a referral: its needs, and the kinds of activity the
    person took up. A person with two needs counts once under each."""

    class Kind(models.TextChoices):
        NEED = "need", "Need"
        ACTIVITY = "activity", "Activity type"

    id = models.BigAutoField(primary_key=True)
    fact = models.ForeignKey(ReferralFact, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fact", "kind", "code"], name="fact_tag_once"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.code}"


class OutcomeFact(models.Model):
    """One measure for one referral: the baseline score, the latest follow-up, and whether a
    follow-up was due (so missing follow-ups are counted, not hidden)."""

    id = models.BigAutoField(primary_key=True)
    fact = models.ForeignKey(ReferralFact, on_delete=models.CASCADE, related_name="outcomes")
    measure = models.CharField(max_length=40, help_text="instrument.measure, e.g. swemwbs.metric")
    baseline = models.FloatField()
    follow_up = models.FloatField(null=True)
    follow_up_due = models.BooleanField()
    improved = models.BooleanField(default=False)
    worsened = models.BooleanField(default=False)
    meaningful_improvement = models.BooleanField(default=False)
    meaningful_deterioration = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fact", "measure"], name="outcome_fact_once"),
            models.CheckConstraint(
                condition=Q(follow_up__isnull=True) | Q(follow_up_due=True),
                name="outcome_fact_follow_up_was_due",
            ),
        ]

    def __str__(self):
        return f"{self.measure}: {self.baseline} → {self.follow_up}"


class OnwardFact(models.Model):
    """One referral to a community activity, for providers' response times and acceptance."""

    onward = models.OneToOneField(
        "onward.OnwardReferral", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    fact = models.ForeignKey(ReferralFact, on_delete=models.CASCADE, related_name="onward")
    provider = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey("organisations.Area", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(help_text="First day of the month it was sent")
    status = models.CharField(max_length=20)
    response_days = models.PositiveIntegerField(null=True)
    accepted = models.BooleanField()
    attended = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["area", "month"], name="onward_fact_area_month"),
            models.Index(fields=["service", "month"], name="onward_fact_service_month"),
        ]

    def __str__(self):
        return f"Activity referral {self.onward_id} ({self.status})"


class AreaMonthCell(models.Model):
    """The roll-up the dashboards read: for one month and one scope (one service, one area,
    or England when there is no area) every additive figure, by one breakdown (source, need,
    age band, practice, …). Rebuilt from the facts for the area-months that changed, so no
    dashboard without a practice or PCN filter scans referrals, at any scale."""

    id = models.BigAutoField(primary_key=True)
    area = models.ForeignKey(
        "organisations.Area", null=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=100, blank=True)
    figures = models.JSONField()

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "area", "month"], name="cell_area"),
            models.Index(fields=["dimension", "service", "month"], name="cell_service"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False) | Q(service__isnull=True),
                name="cell_service_within_area",
            ),
            models.UniqueConstraint(
                fields=["service", "month", "dimension", "value"],
                condition=Q(service__isnull=False),
                name="cell_once_per_service",
            ),
            models.UniqueConstraint(
                fields=["area", "month", "dimension", "value"],
                condition=Q(area__isnull=False, service__isnull=True),
                name="cell_once_per_area",
            ),
            models.UniqueConstraint(
                fields=["month", "dimension", "value"],
                condition=Q(area__isnull=True),
                name="cell_once_in_england",
            ),
        ]

    def __str__(self):
        where = self.service_id or self.area_id or "England"
        return f"{where} {self.month:%Y-%m} {self.dimension}={self.value}"


class CaseloadSnapshot(models.Model):
    """Open cases per link worker when the figures were last refreshed."""

    id = models.BigAutoField(primary_key=True)
    area = models.ForeignKey("organisations.Area", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    open_cases = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["area", "service"], name="caseload_scope")]

    def __str__(self):
        return f"{self.link_worker_id}: {self.open_cases}"


class RefreshState(models.Model):
    """When the facts were last brought up to date (one row)."""

    name = models.CharField(max_length=20, primary_key=True, default="facts")
    # Records changed after this moment (less an overlap) are picked up by the next refresh.
    changes_seen_until = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    full_rebuild_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"Refreshed {self.refreshed_at}"


class UnitCost(BaseModel):
    """What one GP consultation or A&E attendance costs the NHS, with where the figure comes
    from. Versioned: a new figure is a new row from a date; old rows are never edited, so
    past reports can be explained. A row with no area is the default for every area."""

    class Item(models.TextChoices):
        GP_CONSULTATION = "gp_consultation", "GP consultation"
        AE_ATTENDANCE = "ae_attendance", "A&E attendance"

    area = models.ForeignKey(
        "organisations.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(max_length=20, choices=Item.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    source = models.CharField(max_length=300)
    price_year = models.CharField(max_length=20, help_text="e.g. 2023/24")
    valid_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="unit_cost_positive"),
            models.UniqueConstraint(
                fields=["area", "item", "valid_from"],
                condition=Q(area__isnull=False),
                name="unit_cost_one_version_a_day",
            ),
            models.UniqueConstraint(
                fields=["item", "valid_from"],
                condition=Q(area__isnull=True),
                name="unit_cost_default_one_version_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.get_item_display()}: £{self.amount} ({self.price_year})"


class Investment(BaseModel):
    """What the area spends on the service over a contract, to set against the figures.
    Versioned like unit costs: the newest row is current."""

    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    starts_on = models.DateField()
    ends_on = models.DateField()
    description = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="investment_positive"),
            models.CheckConstraint(
                condition=Q(starts_on__lt=models.F("ends_on")), name="investment_period"
            ),
        ]

    def __str__(self):
        return f"£{self.amount:,.0f}, {self.starts_on} to {self.ends_on}"


class PopulationFigure(BaseModel):
    """How many people of each group live in the area (census or mid-year estimates), so
    referrals can be set against the population they come from."""

    area = models.ForeignKey("organisations.Area", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=20)
    people = models.PositiveIntegerField()
    source = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "dimension", "value"], name="population_once"),
        ]


class ExtractRecipient(BaseModel):
    """An evaluator who receives pseudonymised person-level extracts from a service under a
    data-sharing agreement. Each recipient has their own key, so the same person has a
    different pseudonym in each recipient's extract: two recipients cannot link theirs."""

    service = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300)
    agreement_reference = models.CharField(max_length=100)
    key = models.CharField(max_length=64, help_text="Secret for the keyed pseudonyms")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ExtractDownload(BaseModel):
    recipient = models.ForeignKey(
        ExtractRecipient, on_delete=models.PROTECT, related_name="downloads"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0, help_text="Referrals in the file")

    class Meta:
        ordering = ["-created_at"]
