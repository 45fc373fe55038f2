"""The community directory, shaped after Open Referral UK / HSDS 3 so that it can be
published and imported without loss. Writes only through `directory.actions`."""

from django.db import models
from django.db.models import Q

from core.ids import uuid7
from core.models import BaseModel


class HSDSModel(models.Model):
    # Imported feeds keep their own ids, so the default is only for records made here.
    id = models.UUIDField(primary_key=True, default=uuid7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Organization(HSDSModel):
    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    owner = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_organizations",
        help_text="The provider whose staff keep these listings up to date",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Taxonomy(HSDSModel):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=20, blank=True)
    # Whose editors map its terms to needs: the area whose feed brought it. Empty: shared
    # by every area (linkwork's needs, or a taxonomy two areas' feeds both use), mapped by
    # the installation's administrators only, since a mapping changes every area's search.
    area = models.ForeignKey(
        "organisations.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self):
        return self.name


class TaxonomyTerm(HSDSModel):
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The mapping from any taxonomy to linkwork's needs (referral reasons) is data.
    need = models.ForeignKey(
        "referrals.Need",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="taxonomy_terms",
    )
    # When an editor last decided its need, "words only" included: undecided terms are the
    # ones the mapping page asks about. Imports never set it, nor `need`.
    mapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="term_unique_code"),
        ]

    def __str__(self):
        return self.name


class Location(HSDSModel):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    address_1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=8, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    wheelchair_accessible = models.BooleanField(default=False)
    accessibility_details = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_lat_lon")]

    def __str__(self):
        return self.name


class ServiceQuerySet(models.QuerySet):
    def in_area_of(self, user):
        return self.filter(area_id=user.organisation.area_id)

    def public(self):
        """What visitors and matching may see: active, published listings."""
        return self.filter(status=Service.Status.ACTIVE, published=True)

    def active(self):
        return self.public()

    def editable_by(self, user):
        return self.filter(organization__owner_id=user.organisation_id)


class Service(HSDSModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DEFUNCT = "defunct", "Defunct"
        TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"

    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    application_process = models.TextField(blank=True, help_text="How to join")
    fees_description = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # Denormalised from cost options, for the free-only filter.
    is_free = models.BooleanField(default=False)
    # HSDS 3.1 service_capacity: spare places.
    capacity_available = models.PositiveIntegerField(null=True, blank=True)
    capacity_maximum = models.PositiveIntegerField(null=True, blank=True)
    capacity_updated = models.DateTimeField(null=True, blank=True)
    terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="services")
    last_verified_on = models.DateField(null=True, blank=True)
    # When the owner was last asked to check it (once per six months unchecked).
    check_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    published = models.BooleanField(default=True)
    last_modified = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["area", "status", "published"], name="service_area_status"),
            models.Index(fields=["last_modified"], name="service_modified"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(capacity_available__isnull=True)
                | Q(capacity_maximum__isnull=True)
                | Q(capacity_available__lte=models.F("capacity_maximum")),
                name="service_capacity_within_maximum",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_full(self):
        return self.capacity_available == 0


class SearchDocument(models.Model):
    """The words the text index holds for one listing, and the grid cells of its places
    (`geography.grid` tokens, or "placeless"), so that the index can answer "these words,
    near here" by itself. Derived data: kept by `directory.search_index`."""

    # A small integer key: the SQLite FTS5 rowid, and what search entries point at.
    key = models.BigAutoField(primary_key=True)
    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="search_document"
    )
    # Stems (directory.text.tokens) of all its words, for the full-text gate: the
    # databases match our stems, so index and query share one tokenizer.
    body = models.TextField()
    cells = models.TextField()
    # Field → {stem: term frequency}, for BM25F (directory.text.FIELDS).
    tokens = models.JSONField(
        default=dict, db_default=models.Value({}, models.JSONField()), blank=True
    )
    # The listing's text as a wordllama vector (ADR 0011 §4: 256 int8, `semantic.MODEL`),
    # for semantic similarity; null when semantic similarity was off when it was indexed.
    vector = models.BinaryField(null=True, blank=True)

    def __str__(self):
        return f"Search document {self.key} for {self.service_id}"


class WordStat(models.Model):
    """How many search documents have this stem in any field (BM25F's df, ADR 0011 §3),
    kept by deltas as documents are replaced (`directory.word_stats`), so that a search
    reads the rows of its own stems instead of every document's words. Derived data:
    `rebuild_search_index` counts it again from scratch."""

    # Text, not varchar: a stem is as long as the word it came from, and PostgreSQL would
    # refuse a longer one where SQLite would not.
    stem = models.TextField(primary_key=True)
    # Zero only inside the transaction that takes a document away (word_stats deletes it).
    df = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(df__gte=0), name="word_stat_df")]

    def __str__(self):
        return f"{self.stem}: {self.df}"


class FieldLength(models.Model):
    """The stems in one BM25F field summed over every search document: its mean length is
    this over `WordTotals.documents`. A row per field rather than a JSON object on
    `WordTotals`, so that a change is an increment in SQL on both databases (JSON would need
    each engine's own functions, or a read and a write under a lock SQLite lacks)."""

    field = models.CharField(max_length=50, primary_key=True)
    total = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="field_length_total")]

    def __str__(self):
        return f"{self.field}: {self.total}"


class WordTotals(models.Model):
    """The one row of totals over the search documents: how many there are (BM25F's N),
    and which version of the index builder made them (`word_stats.INDEX_VERSION`:
    `rebuild_search_index --if-outdated` makes them again when the code's differs)."""

    ONE = 1
    id = models.PositiveSmallIntegerField(primary_key=True, default=ONE)
    documents = models.BigIntegerField(default=0)
    # 0: not known (the row was made by a delta, not by the migration or a rebuild).
    index_version = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "word totals"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="word_totals_one_row"),
            models.CheckConstraint(condition=Q(documents__gte=0), name="word_totals_documents"),
            models.CheckConstraint(
                condition=Q(index_version__gte=0), name="word_totals_index_version"
            ),
        ]

    def __str__(self):
        return f"{self.documents} documents, index version {self.index_version}"


class SearchEntry(models.Model):
    """One published listing at one place, with everything matching needs to filter and
    rank it, so that a search reads one index range per grid row and nothing else.
    Derived data: kept by `directory.search_index` whenever a listing changes."""

    # Cells below zero are not places (grid cells count up from zero):
    # no place at all (telephone, online): fits any place searched from;
    PLACELESS = -2
    # has places, none with coordinates: found only by searches without a place.
    UNPLACED = -1

    key = models.BigIntegerField(help_text="SearchDocument.key of the listing")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("organisations.Area", on_delete=models.CASCADE, related_name="+")
    cell = models.IntegerField(help_text="geography.grid cell, or PLACELESS / UNPLACED")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    needs = models.CharField(max_length=600, help_text="Need codes, space separated and padded")
    slots = models.CharField(
        max_length=400, help_text="Sessions by weekday: MO0930-1300,1800-2000;TU;… (constraints)"
    )
    eligibility = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="Who it is for: group codes, padded",
    )
    is_free = models.BooleanField()
    wheelchair = models.BooleanField()
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity_available = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200)
    town = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            # Covering: a search by place is answered from this index alone.
            models.Index(
                fields=[
                    "cell",
                    "needs",
                    "is_free",
                    "wheelchair",
                    "minimum_age",
                    "maximum_age",
                    "area",
                    "latitude",
                    "longitude",
                    "key",
                    "capacity_available",
                    "slots",
                    "name",
                    "town",
                    "eligibility",
                ],
                name="search_entry_by_place",
            ),
        ]

    def __str__(self):
        return f"{self.name} at cell {self.cell}"


class ServiceAtLocation(HSDSModel):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="service_at_locations"
    )
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="sal_unique"),
        ]

    def __str__(self):
        return f"{self.service_id} at {self.location_id}"


class Schedule(HSDSModel):
    """iCal-style recurrence (HSDS schedule): e.g. WEEKLY on TU 10:00–12:00."""

    class Freq(models.TextChoices):
        WEEKLY = "WEEKLY", "Weekly"
        MONTHLY = "MONTHLY", "Monthly"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    freq = models.CharField(max_length=10, choices=Freq.choices, default=Freq.WEEKLY)
    interval = models.PositiveSmallIntegerField(default=1)
    byday = models.CharField(max_length=40, blank=True, help_text="e.g. MO,WE or 1FR")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=models.F("closes_at")),
                name="schedule_opens_before_closes",
            ),
        ]

    def __str__(self):
        return f"{self.freq} {self.byday} {self.opens_at}-{self.closes_at}"


class CostOption(HSDSModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    option = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="GBP")
    amount_description = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"{self.option} {self.amount or ''}".strip()


class Language(HSDSModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=10, blank=True)

    def __str__(self):
        return self.name


class Synonym(BaseModel):
    """Residents' words for what professionals call things: "new mum" → postnatal, parent
    and baby, need new-parent. Editable by directory editors."""

    phrase = models.CharField(max_length=100, unique=True)
    expands_to = models.CharField(max_length=300, blank=True, help_text="Words, space separated")
    needs = models.ManyToManyField("referrals.Need", blank=True, related_name="+")

    class Meta:
        ordering = ["phrase"]

    def __str__(self):
        return self.phrase


class ListingChange(BaseModel):
    """A provider's proposed change to a listing, waiting for a directory editor."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    # Field name → new value as a string (see directory.listing_fields).
    proposed = models.JSONField()
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(status="pending"),
                name="one_pending_change_per_listing",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="listing_change_decided_iff_not_pending",
            ),
        ]

    def __str__(self):
        return f"Change to {self.service_id} ({self.status})"


class ListingFlag(BaseModel):
    """A visitor's report that a listing is wrong."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="flags")
    message = models.TextField()
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["resolved_at"], name="flag_open")]

    def __str__(self):
        return f"Flag on {self.service_id}"
