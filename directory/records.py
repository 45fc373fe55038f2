"""Plain descriptions of a listing, independent of where it came from (a form, an Open
Referral feed, a CSV row, the demo). `directory.actions.save_services` stores them."""

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from uuid import UUID


@dataclass
class LocationRecord:
    id: UUID
    name: str
    address_1: str = ""
    city: str = ""
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    wheelchair_accessible: bool = False
    accessibility_details: str = ""


@dataclass
class ScheduleRecord:
    id: UUID
    freq: str = "WEEKLY"
    interval: int = 1
    byday: str = ""
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = ""


@dataclass
class CostRecord:
    id: UUID
    option: str = ""
    amount: Decimal | None = None
    currency: str = "GBP"
    amount_description: str = ""

    @property
    def is_free(self) -> bool:
        if self.amount is not None:
            return self.amount == 0
        return "free" in f"{self.option} {self.amount_description}".lower()


@dataclass
class TaxonomyRecord:
    """The taxonomy a feed's term belongs to: by its id when the feed gives one, else by
    name; neither, and the import keeps the term in a taxonomy named after the area."""

    id: UUID | None = None
    name: str = ""
    description: str = ""
    uri: str = ""
    version: str = ""


@dataclass
class TermRecord:
    """A term of the feed's own taxonomy, created or updated with the listings."""

    id: UUID
    name: str
    code: str = ""
    description: str = ""
    parent_id: UUID | None = None
    taxonomy: TaxonomyRecord = field(default_factory=TaxonomyRecord)


@dataclass
class ServiceRecord:
    id: UUID
    organization_id: UUID
    organization_name: str
    name: str
    description: str = ""
    alternate_name: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    status: str = "active"
    application_process: str = ""
    fees_description: str = ""
    eligibility_description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    capacity_available: int | None = None
    capacity_maximum: int | None = None
    last_verified_on: date | None = None
    need_codes: list[str] = field(default_factory=list)
    term_ids: list[UUID] = field(default_factory=list)
    # The feed's own terms: stored (see TermRecord) before the listings link to them.
    terms: list[TermRecord] = field(default_factory=list)
    locations: list[LocationRecord] = field(default_factory=list)
    schedules: list[ScheduleRecord] = field(default_factory=list)
    costs: list[CostRecord] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_free(self) -> bool:
        return bool(self.costs) and all(cost.is_free for cost in self.costs)
