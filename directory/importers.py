"""Reading Open Referral UK / HSDS 3 JSON feeds and linkwork's CSV template into
`ServiceRecord`s. Every problem is collected with where it is (record or line), the field
and the rule, so a feed is either imported whole or not at all."""

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from uuid import UUID

from core import csv_safe
from directory.listing_fields import NEEDS_TAXONOMY
from directory.models import Service, TaxonomyTerm
from directory.records import (
    CostRecord,
    LocationRecord,
    ScheduleRecord,
    ServiceRecord,
    TaxonomyRecord,
    TermRecord,
)
from referrals.models import Need

STATUSES = {choice for choice, _ in Service.Status.choices}
BYDAY_RE = re.compile(
    r"^([+-]?[1-5]?(MO|TU|WE|TH|FR|SA|SU))(,([+-]?[1-5]?(MO|TU|WE|TH|FR|SA|SU)))*$"
)
# A whole area's directory in one file is a few thousand services at most.
MAX_CSV_ROWS = 50_000
MAX_CSV_BYTES = 50 * 1024 * 1024
CSV_COLUMNS = [
    "id",
    "organization_id",
    "organization_name",
    "name",
    "description",
    "url",
    "email",
    "phone",
    "status",
    "how_to_join",
    "needs",
    "location_id",
    "location_name",
    "address_1",
    "city",
    "postcode",
    "latitude",
    "longitude",
    "wheelchair",
    "schedule_id",
    "days",
    "opens_at",
    "closes_at",
    "cost_id",
    "cost_amount",
    "cost_option",
    "minimum_age",
    "maximum_age",
    "places_available",
    "places_maximum",
    "last_verified_on",
]


@dataclass
class Problem:
    where: str
    field: str
    rule: str

    def __str__(self):
        return f"{self.where}: {self.field}: {self.rule}"


class _Reader:
    """Typed field access that records problems instead of raising."""

    def __init__(self, where: str, problems: list[Problem]):
        self.where = where
        self.problems = problems

    def fail(self, field, rule):
        self.problems.append(Problem(self.where, field, rule))

    def uuid(self, field, value, required=True):
        if value in (None, ""):
            if required:
                self.fail(field, "is required")
            return None
        try:
            return UUID(str(value))
        except ValueError:
            self.fail(field, f"must be a UUID, not {value!r}")
            return None

    def text(self, field, value, required=False, limit=None):
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.fail(field, "is required")
        if limit and len(value) > limit:
            self.fail(field, f"must be at most {limit} characters")
        return value

    def number(self, field, value, low=None, high=None, whole=False):
        if value in (None, ""):
            return None
        try:
            number = int(value) if whole else float(value)
        except (TypeError, ValueError):
            self.fail(field, f"must be a {'whole ' if whole else ''}number, not {value!r}")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            self.fail(field, f"must be between {low} and {high}")
            return None
        return number

    def money(self, field, value):
        if value in (None, ""):
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(field, f"must be an amount like 3.50, not {value!r}")
            return None
        if amount < 0:
            self.fail(field, "cannot be negative")
            return None
        return amount

    def clock(self, field, value):
        if value in (None, ""):
            return None
        try:
            return time.fromisoformat(str(value)[:8])
        except ValueError:
            self.fail(field, f"must be a time like 09:30, not {value!r}")
            return None

    def day(self, field, value):
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            self.fail(field, f"must be a date like 2026-03-01, not {value!r}")
            return None

    def flag(self, field, value):
        lowered = str(value or "").strip().lower()
        if lowered in ("", "no", "false", "0", "n"):
            return False
        if lowered in ("yes", "true", "1", "y"):
            return True
        self.fail(field, f"must be yes or no, not {value!r}")
        return False


# "No wheelchair access", "not step-free", "without a lift": a feed's access text says what
# is missing as often as what is there, and a wheelchair user sent to steps is worse off
# than one told to ask.
_NOT_STEP_FREE = re.compile(
    r"\b(?:no|not|without|isn'?t|non|never)\b[\s-]+(?:\w+[\s-]+){0,2}?(?:step[\s-]?free|wheelchair|level|accessible)"
    r"|\bsteps? only\b|\bstairs only\b|\bnot (?:fully )?accessible\b"
)
_STEP_FREE = re.compile(r"\bstep[\s-]?free\b|\bwheelchair\b|\blevel access\b")


def says_step_free(access: str) -> bool:
    """Whether a location's access text says it is step-free, and nowhere says it is not."""
    text = access.lower()
    return bool(_STEP_FREE.search(text)) and not _NOT_STEP_FREE.search(text)


def parse_json(feed) -> tuple[list[ServiceRecord], list[Problem]]:
    if isinstance(feed, dict) and "contents" in feed:
        items = feed["contents"]
    elif isinstance(feed, dict):
        items = [feed]
    elif isinstance(feed, list):
        items = feed
    else:
        return [], [Problem("feed", "-", "must be a service, a list of services or a page")]
    problems: list[Problem] = []
    known_terms = {str(t.id): t for t in TaxonomyTerm.objects.select_related("need", "taxonomy")}
    need_codes = set(Need.objects.values_list("code", flat=True))
    records = [
        _service_from_json(i, item, problems, known_terms, need_codes)
        for i, item in enumerate(items, start=1)
    ]
    _check_unique(records, problems)
    _check_terms(records, problems)
    return [r for r in records if r], problems


def _service_from_json(index, item, problems, known_terms, need_codes):
    if not isinstance(item, dict):
        problems.append(Problem(f"record {index}", "-", "must be an object"))
        return None
    r = _Reader(f"record {index} ({item.get('id', 'no id')})", problems)
    organization = item.get("organization") or {}
    record = ServiceRecord(
        id=r.uuid("id", item.get("id")),
        organization_id=r.uuid(
            "organization.id", organization.get("id") or item.get("organization_id")
        ),
        organization_name=r.text(
            "organization.name", organization.get("name"), required=True, limit=200
        ),
        name=r.text("name", item.get("name"), required=True, limit=200),
        description=r.text("description", item.get("description")),
        alternate_name=r.text("alternate_name", item.get("alternate_name"), limit=200),
        url=r.text("url", item.get("url"), limit=200),
        email=r.text("email", item.get("email"), limit=254),
        status=r.text("status", item.get("status"), required=True),
        application_process=r.text("application_process", item.get("application_process")),
        fees_description=r.text("fees_description", item.get("fees_description")),
        eligibility_description=r.text(
            "eligibility_description", item.get("eligibility_description")
        ),
        minimum_age=r.number("minimum_age", item.get("minimum_age"), 0, 120, whole=True),
        maximum_age=r.number("maximum_age", item.get("maximum_age"), 0, 120, whole=True),
        last_verified_on=r.day("assured_date", item.get("assured_date")),
    )
    if record.status and record.status not in STATUSES:
        r.fail("status", f"must be one of {', '.join(sorted(STATUSES))}")
    _check_ages(r, record)
    phones = item.get("phones") or []
    if phones:
        record.phone = r.text("phones[0].number", phones[0].get("number"), limit=30)
    for n, sal in enumerate(item.get("service_at_locations") or [], start=1):
        loc = sal.get("location") or {}
        address = (loc.get("addresses") or [{}])[0]
        access = " ".join(
            (a.get("description") or "") + " " + (a.get("details") or "")
            for a in loc.get("accessibility") or []
        ).lower()
        record.locations.append(
            LocationRecord(
                id=r.uuid(f"service_at_locations[{n}].location.id", loc.get("id")),
                name=r.text(f"service_at_locations[{n}].location.name", loc.get("name"), limit=200)
                or record.name,
                address_1=r.text("address_1", address.get("address_1"), limit=200),
                city=r.text("city", address.get("city"), limit=100),
                postal_code=r.text("postal_code", address.get("postal_code"), limit=8),
                latitude=r.number(
                    f"service_at_locations[{n}].location.latitude", loc.get("latitude"), -90, 90
                ),
                longitude=r.number(
                    f"service_at_locations[{n}].location.longitude", loc.get("longitude"), -180, 180
                ),
                wheelchair_accessible=says_step_free(access),
            )
        )
    for n, s in enumerate(item.get("schedules") or [], start=1):
        record.schedules.append(
            _schedule(
                r,
                f"schedules[{n}]",
                s.get("id"),
                s.get("freq"),
                s.get("byday"),
                s.get("opens_at"),
                s.get("closes_at"),
                s.get("description"),
                s.get("interval"),
            )
        )
    for n, c in enumerate(item.get("cost_options") or [], start=1):
        record.costs.append(
            CostRecord(
                id=r.uuid(f"cost_options[{n}].id", c.get("id")),
                option=r.text(f"cost_options[{n}].option", c.get("option"), limit=200),
                amount=r.money(f"cost_options[{n}].amount", c.get("amount")),
                currency=r.text(f"cost_options[{n}].currency", c.get("currency")) or "GBP",
                amount_description=r.text(
                    "amount_description", c.get("amount_description"), limit=300
                ),
            )
        )
    for n, lang in enumerate(item.get("languages") or [], start=1):
        record.languages.append(
            (
                r.text(f"languages[{n}].name", lang.get("name"), required=True, limit=100),
                lang.get("code") or "",
            )
        )
    for n, attribute in enumerate(item.get("attributes") or [], start=1):
        field = f"attributes[{n}].taxonomy_term"
        term = attribute.get("taxonomy_term") or {}
        if not isinstance(term, dict):
            r.fail(field, "must be an object")
            continue
        term_id = str(attribute.get("taxonomy_term_id") or term.get("id") or "")
        known = known_terms.get(term_id)
        if known and (known.taxonomy.name == NEEDS_TAXONOMY or not term.get("name")):
            record.term_ids.append(known.id)
        elif not known and term.get("code") in need_codes:
            record.need_codes.append(term["code"])
        elif term.get("name"):
            # The feed's own term (new, or known and perhaps renamed since): stored with it.
            imported = _term(r, field, term, term_id)
            if imported is not None:
                record.terms.append(imported)
        else:
            r.fail(
                field,
                f"term {term.get('code') or term_id!r} is not known: the feed must carry the "
                "term's name (to import it with its taxonomy), or use a linkwork need code",
            )
    capacities = item.get("capacities") or []
    if capacities:
        record.capacity_available = r.number(
            "capacities[1].available", capacities[0].get("available"), 0, 100000, True
        )
        record.capacity_maximum = r.number(
            "capacities[1].maximum", capacities[0].get("maximum"), 0, 100000, True
        )
        _check_capacity(r, record)
    return record


def _term(r, field, term, term_id) -> TermRecord | None:
    detail = term.get("taxonomy_detail") or {}
    if not isinstance(detail, dict):
        r.fail(f"{field}.taxonomy_detail", "must be an object")
        detail = {}
    taxonomy = TaxonomyRecord(
        id=r.uuid(
            f"{field}.taxonomy_id", detail.get("id") or term.get("taxonomy_id"), required=False
        ),
        name=r.text(
            f"{field}.taxonomy_detail.name", detail.get("name") or term.get("taxonomy"), limit=100
        ),
        description=r.text(f"{field}.taxonomy_detail.description", detail.get("description")),
        uri=r.text(f"{field}.taxonomy_detail.uri", detail.get("uri"), limit=200),
        version=r.text(f"{field}.taxonomy_detail.version", detail.get("version"), limit=20),
    )
    if taxonomy.name == NEEDS_TAXONOMY:
        r.fail(
            f"{field}.code",
            f"{term.get('code')!r} is not a linkwork need code (the {NEEDS_TAXONOMY} "
            "taxonomy has only those)",
        )
        return None
    record = TermRecord(
        id=r.uuid(f"{field}.id", term_id),
        name=r.text(f"{field}.name", term.get("name"), required=True, limit=200),
        code=r.text(f"{field}.code", term.get("code"), limit=100),
        description=r.text(f"{field}.description", term.get("description")),
        parent_id=r.uuid(f"{field}.parent_id", term.get("parent_id"), required=False),
        taxonomy=taxonomy,
    )
    return record if record.id else None


def _check_terms(records, problems):
    """A feed's terms must agree with themselves: one term id, one taxonomy; one code in a
    taxonomy, one term (the database holds them to the same, so say so now, with where)."""
    taxonomy_of: dict = {}
    code_owner: dict = {}
    for record in records:
        if record is None:
            continue
        for term in record.terms:
            taxonomy = term.taxonomy.id or term.taxonomy.name
            if taxonomy_of.setdefault(term.id, taxonomy) != taxonomy:
                problems.append(
                    Problem(
                        f"service {record.id}",
                        "taxonomy_term",
                        f"term {term.id} is given in two different taxonomies",
                    )
                )
            code = (taxonomy, term.code or str(term.id))
            if code_owner.setdefault(code, term.id) != term.id:
                problems.append(
                    Problem(
                        f"service {record.id}",
                        "taxonomy_term.code",
                        f"{code[1]!r} is the code of two different terms ({code_owner[code]} "
                        f"and {term.id})",
                    )
                )


def parse_csv(text: str) -> tuple[list[ServiceRecord], list[Problem]]:
    """One row per service (at one location, with at most one schedule and cost)."""
    problems: list[Problem] = []
    reader = csv_safe.dict_reader(text, max_rows=MAX_CSV_ROWS)
    try:
        header = reader.fieldnames or []
    except csv_safe.CsvRefused as refused:
        return [], [Problem(f"line {refused.line}", "-", refused.message)]
    missing = [c for c in ("id", "organization_id", "organization_name", "name") if c not in header]
    if missing:
        return [], [
            Problem(
                "header",
                ", ".join(missing),
                "required column missing; see docs/directory-template.csv",
            )
        ]
    need_codes = set(Need.objects.values_list("code", flat=True))
    records = []
    for line, row in enumerate(_rows(reader, problems), start=2):
        r = _Reader(f"line {line}", problems)
        record = ServiceRecord(
            id=r.uuid("id", row.get("id")),
            organization_id=r.uuid("organization_id", row.get("organization_id")),
            organization_name=r.text(
                "organization_name", row.get("organization_name"), required=True, limit=200
            ),
            name=r.text("name", row.get("name"), required=True, limit=200),
            description=r.text("description", row.get("description")),
            url=r.text("url", row.get("url"), limit=200),
            email=r.text("email", row.get("email"), limit=254),
            phone=r.text("phone", row.get("phone"), limit=30),
            status=r.text("status", row.get("status")) or "active",
            application_process=r.text("how_to_join", row.get("how_to_join")),
            minimum_age=r.number("minimum_age", row.get("minimum_age"), 0, 120, whole=True),
            maximum_age=r.number("maximum_age", row.get("maximum_age"), 0, 120, whole=True),
            capacity_available=r.number(
                "places_available", row.get("places_available"), 0, 100000, whole=True
            ),
            capacity_maximum=r.number(
                "places_maximum", row.get("places_maximum"), 0, 100000, whole=True
            ),
            last_verified_on=r.day("last_verified_on", row.get("last_verified_on")),
        )
        if record.status not in STATUSES:
            r.fail("status", f"must be one of {', '.join(sorted(STATUSES))}")
        _check_ages(r, record)
        _check_capacity(r, record)
        for code in [c.strip() for c in (row.get("needs") or "").split(";") if c.strip()]:
            if code in need_codes:
                record.need_codes.append(code)
            else:
                r.fail("needs", f"{code!r} is not a need code ({', '.join(sorted(need_codes))})")
        if row.get("location_id") or row.get("postcode"):
            record.locations.append(
                LocationRecord(
                    id=r.uuid("location_id", row.get("location_id")),
                    name=r.text("location_name", row.get("location_name"), limit=200)
                    or record.name,
                    address_1=r.text("address_1", row.get("address_1"), limit=200),
                    city=r.text("city", row.get("city"), limit=100),
                    postal_code=r.text("postcode", row.get("postcode"), limit=8).upper(),
                    latitude=r.number("latitude", row.get("latitude"), -90, 90),
                    longitude=r.number("longitude", row.get("longitude"), -180, 180),
                    wheelchair_accessible=r.flag("wheelchair", row.get("wheelchair")),
                )
            )
        if row.get("schedule_id") or row.get("days"):
            record.schedules.append(
                _schedule(
                    r,
                    "",
                    row.get("schedule_id"),
                    "WEEKLY",
                    row.get("days"),
                    row.get("opens_at"),
                    row.get("closes_at"),
                    "",
                    1,
                )
            )
        if row.get("cost_id") or row.get("cost_amount"):
            record.costs.append(
                CostRecord(
                    id=r.uuid("cost_id", row.get("cost_id")),
                    amount=r.money("cost_amount", row.get("cost_amount")),
                    option=r.text("cost_option", row.get("cost_option"), limit=200),
                )
            )
        records.append(record)
    _check_unique(records, problems)
    return records, problems


def _rows(reader, problems):
    """The reader's rows, until one cannot be read (too many, or not CSV): that is a problem."""
    try:
        yield from reader
    except csv_safe.CsvRefused as refused:
        problems.append(Problem(f"line {refused.line}", "-", refused.message))


def _schedule(r, prefix, id_, freq, byday, opens, closes, description, interval):
    field = f"{prefix}." if prefix else ""
    freq = (freq or "WEEKLY").upper()
    if freq not in ("WEEKLY", "MONTHLY"):
        r.fail(f"{field}freq", "must be WEEKLY or MONTHLY")
    byday = (byday or "").upper().replace(" ", "")
    if byday and not BYDAY_RE.match(byday):
        r.fail(
            f"{field}byday" if prefix else "days",
            f"must be iCal days like MO,WE or 1FR, not {byday!r}",
        )
    schedule = ScheduleRecord(
        id=r.uuid(f"{field}id" if prefix else "schedule_id", id_),
        freq=freq,
        byday=byday,
        opens_at=r.clock(f"{field}opens_at", opens),
        closes_at=r.clock(f"{field}closes_at", closes),
        description=r.text(f"{field}description", description, limit=300),
        interval=r.number(f"{field}interval", interval, 1, 12, whole=True) or 1,
    )
    if schedule.opens_at and schedule.closes_at and schedule.opens_at >= schedule.closes_at:
        r.fail(f"{field}closes_at", "must be after opens_at")
    return schedule


def _check_ages(r, record):
    if (
        record.minimum_age is not None
        and record.maximum_age is not None
        and record.minimum_age > record.maximum_age
    ):
        r.fail("maximum_age", "must not be below minimum_age")


def _check_capacity(r, record):
    if (
        record.capacity_available is not None
        and record.capacity_maximum is not None
        and record.capacity_available > record.capacity_maximum
    ):
        r.fail("places_available", "must not be more than the maximum")


def _check_unique(records, problems):
    """Ids must not repeat within a feed (services, and the rows that hang off them)."""
    seen: dict = {}
    services: set = set()
    for record in records:
        if record is None:
            continue
        if record.id is not None and record.id in services:
            problems.append(Problem(f"service {record.id}", "id", "appears more than once"))
        services.add(record.id)
        children = [("location", loc.id) for loc in record.locations]
        children += [("schedule", s.id) for s in record.schedules]
        children += [("cost option", c.id) for c in record.costs]
        for kind, id_ in children:
            if id_ is None:
                continue
            key = (kind, id_)
            owner = seen.setdefault(key, record.id)
            if owner != record.id and kind != "location":
                problems.append(
                    Problem(
                        f"service {record.id}", kind, f"id {id_} is used by service {owner} too"
                    )
                )
