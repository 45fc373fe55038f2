from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Area(BaseModel):
    """A county or ICB footprint. It owns services, practices and people; nobody sees across
    areas except national roles, and those only in aggregate."""

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=20, unique=True, help_text="ONS or ICB code")
    # The NHS ODS codes whose GP practices are this area's: its ICB code and sub-ICB location
    # codes, matched against the `epraccur` file's commissioner and ICB columns on import
    # (organisations/ods.py). Upper case.
    ods_commissioner_codes = models.JSONField(default=list, blank=True)
    # The one area that holds the installation's operator (its system administrators): not
    # an ICB, never listed among areas. See ADR 0007.
    operator = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["operator"], condition=Q(operator=True), name="area_one_operator"
            )
        ]

    def __str__(self):
        return self.name


class PrimaryCareNetwork(BaseModel):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="pcns")
    name = models.CharField(max_length=120)
    ods_code = models.CharField(max_length=10, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organisation(BaseModel):
    class Kind(models.TextChoices):
        GP_PRACTICE = "gp_practice", "GP practice"
        LINK_WORKER_SERVICE = "link_worker_service", "Social prescribing link worker service"
        COMMISSIONER = "commissioner", "Commissioner"
        REFERRING_PARTNER = "referring_partner", "Referring partner"
        PROVIDER = "provider", "Community provider (VCSE)"
        NATIONAL = "national", "National body"
        OPERATOR = "operator", "Runs this installation"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="organisations")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200)
    ods_code = models.CharField(max_length=10, blank=True)
    pcn = models.ForeignKey(
        PrimaryCareNetwork,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practices",
    )
    postcode = models.CharField(max_length=8, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    # Link-worker services: when people can reach them, as shown to the public.
    opening_hours = models.TextField(blank=True)
    # A practice ODS lists as closed (or dormant) stays, with its referrals, but is no longer
    # offered to anyone choosing a practice.
    active = models.BooleanField(default=True)
    closed_on = models.DateField(null=True, blank=True)
    # Link-worker services: the practices and PCNs whose patients they serve.
    covers_practices = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="covered_by"
    )
    covers_pcns = models.ManyToManyField(PrimaryCareNetwork, blank=True, related_name="covered_by")
    # Optimistic locking for the edit page: two administrators, one record.
    version = models.PositiveIntegerField(default=1)
    # Where the postcode is (`geography.lookup.locate`) and its `geography.grid` cell, kept
    # by the actions that set the postcode, so that "the practice nearest here" reads a few
    # cells of an index instead of locating every practice. Empty when the postcode is
    # empty or not known.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    cell = models.IntegerField(null=True, blank=True, help_text="geography.grid cell")
    # Link-worker services: how soon a newly allocated person must first be contacted.
    first_contact_target_days = models.PositiveSmallIntegerField(default=5)
    # Link-worker services: working days a provider has to answer a referral, and a link
    # worker to first reach someone new; a reminder goes out after `reminder_working_days`,
    # and the team lead is told at the deadline.
    response_working_days = models.PositiveSmallIntegerField(default=10)
    reminder_working_days = models.PositiveSmallIntegerField(default=6)
    # Link-worker services: the open caseload per link worker the service considers safe
    # (the dashboards show each worker against it).
    caseload_safe_min = models.PositiveSmallIntegerField(default=25)
    caseload_safe_max = models.PositiveSmallIntegerField(default=50)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Covering: the nearest-practice search reads kind, cells and coordinates from
            # the index alone.
            models.Index(
                fields=["kind", "cell", "latitude", "longitude"], name="organisation_kind_cell"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ods_code"],
                condition=~models.Q(ods_code=""),
                name="organisation_ods_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(pcn__isnull=True) | models.Q(kind="gp_practice"),
                name="organisation_only_practices_in_pcn",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_working_days__lt=models.F("response_working_days"))
                & models.Q(reminder_working_days__gte=1),
                name="organisation_reminder_before_deadline",
            ),
            models.CheckConstraint(
                condition=Q(caseload_safe_min__lte=models.F("caseload_safe_max")),
                name="organisation_caseload_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(active=False),
                name="organisation_closed_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True, cell__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False, cell__isnull=False),
                name="organisation_location_complete",
            ),
        ]

    def __str__(self):
        return self.name


class AreaPublicInformation(BaseModel):
    """What people outside the NHS are told about an area's social prescribing: who runs it
    and how to reach them, and the two notices a public-sector site must publish (privacy,
    accessibility). Edited by the area's service administrator through
    `organisations.actions.update_public_information`; until then pages show the defaults in
    `organisations.public_information`, which say what must be filled in."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="public_information")
    # As the public knows it, like "Northamptonshire Social Prescribing".
    service_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    # Plain text with a few Markdown-like marks (organisations.notice_text): never HTML.
    privacy_notice = models.TextField()
    accessibility_statement = models.TextField()
    reviewed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()
    # Optimistic locking: two administrators editing at once, the second is told.
    version = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"Public information for {self.area}"
