"""Changes to the community directory. Listings arrive as `ServiceRecord`s from forms,
imports and the demo, and are stored here in bulk, all or nothing."""

import re
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import audit
from core.errors import ActionError, ConcurrentChange
from core.ids import uuid7
from core.permissions import Permission, Role, require_permission
from directory import listing_fields, search_index, word_stats
from directory.listing_fields import NEEDS_TAXONOMY
from directory.models import (
    CostOption,
    Language,
    ListingChange,
    ListingFlag,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    Synonym,
    Taxonomy,
    TaxonomyTerm,
)
from directory.records import (
    CostRecord,
    LocationRecord,
    ScheduleRecord,
    ServiceRecord,
    TaxonomyRecord,
    TermRecord,
)
from directory.search import forget_synonyms

BATCH = 1000
SERVICE_FIELDS = [
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "phone",
    "status",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "capacity_available",
    "capacity_maximum",
    "last_verified_on",
]


@transaction.atomic
def save_services(*, by, area, records: list[ServiceRecord], progress=None) -> dict:
    """Insert or update each listing by id (ids from a feed are kept), replacing its
    locations, schedules, costs, languages and terms. All or nothing. The feed's own
    taxonomies and terms are stored first (`save_terms`); what they could not keep (a
    parent not in the feed) is in the result's "warnings"."""
    warnings = _save_terms(area, records, by=by)
    needs_terms = {
        t.need.code: t.pk
        for t in TaxonomyTerm.objects.filter(taxonomy__name=NEEDS_TAXONOMY).select_related("need")
    }
    known_terms = set(TaxonomyTerm.objects.values_list("id", flat=True))
    created = updated = 0
    changes = word_stats.Changes()
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        c, u = _save_chunk(area, chunk, needs_terms, known_terms, changes)
        created, updated = created + c, updated + u
        if progress:
            progress(len(chunk))
    changes.apply()
    audit.record_change(
        by=by,
        verb="save_services",
        created=created,
        updated=updated,
        area=area.pk,
        **({"warnings": warnings} if warnings else {}),
    )
    return {"created": created, "updated": updated, "warnings": warnings}


def _save_terms(area, records: list[ServiceRecord], *, by=None) -> list[str]:
    """Create or update the feed's own terms, and their taxonomies, by id. Never a term's
    need (that is the editors' mapping), never linkwork's needs, never a term or taxonomy
    another area's feed brought (those are linked as they are, once shared). A term of
    another area's own taxonomy is refused unless the feed gives that taxonomy's id
    (`_belongs_elsewhere`)."""
    terms: dict[UUID, TermRecord] = {}
    for r in records:
        for term in r.terms:
            terms.setdefault(term.id, term)
    _refuse_other_areas_terms(area, {t for r in records for t in r.term_ids} - terms.keys())
    if not terms:
        return []
    warnings: list[str] = []
    existing = {
        t.id: t
        for t in TaxonomyTerm.objects.select_for_update()
        .select_related("taxonomy")
        .filter(id__in=list(terms))
    }
    for term_id, row in existing.items():
        given = terms[term_id]
        if row.taxonomy.area_id not in (None, area.pk) and given.taxonomy.id != row.taxonomy_id:
            raise _belongs_elsewhere(given.name, row)
    ours = {}  # id -> the row this import keeps (made or updated)
    taxonomies: dict = {}
    for term in terms.values():
        row = existing.get(term.id)
        if row is None:
            key = term.taxonomy.id or term.taxonomy.name
            if key not in taxonomies:
                taxonomies[key] = _save_taxonomy(area, term.taxonomy, warnings, by=by)
            taxonomy = taxonomies[key]
        else:
            taxonomy = row.taxonomy
            if taxonomy.name == NEEDS_TAXONOMY:
                continue
            if taxonomy.area_id not in (None, area.pk):
                _share(taxonomy, warnings, area=area, by=by)
            if taxonomy.area_id != area.pk:
                continue  # shared: linked as it is
        code = term.code or str(term.id)
        clash = TaxonomyTerm.objects.filter(taxonomy=taxonomy, code=code).exclude(id=term.id)
        if clash.exists():
            raise ActionError(
                f"Term {term.id} ({term.name}): code {code!r} is already used by another term "
                f"of {taxonomy.name}"
            )
        if row is None:
            row = TaxonomyTerm.objects.create(
                id=term.id,
                taxonomy=taxonomy,
                code=code,
                name=term.name,
                description=term.description,
            )
        else:
            TaxonomyTerm.objects.filter(pk=row.pk).update(
                code=code, name=term.name, description=term.description
            )
        ours[term.id] = row
    # A parent already known (say, a term that tags none of this feed's listings) stays.
    parents = dict(
        TaxonomyTerm.objects.filter(
            id__in=[t.parent_id for t in terms.values() if t.parent_id]
        ).values_list("id", "parent_id")
    )
    known_parents = set(parents)
    parents.update({t.id: t.parent_id for t in terms.values()})
    for term_id in ours:
        term = terms[term_id]
        parent = term.parent_id
        if parent is not None and parent not in terms and parent not in known_parents:
            warnings.append(
                f"Term {term.name!r} ({term.id}): its parent {parent} is not in the feed (nor "
                "known already), so it was imported without one"
            )
            parent = None
        elif parent is not None and _loops(term.id, parents):
            warnings.append(
                f"Term {term.name!r} ({term.id}): its parents lead back to itself, so it was "
                "imported without one"
            )
            parent = None
        TaxonomyTerm.objects.filter(pk=term_id).update(parent_id=parent)
    return warnings


def _loops(term_id, parents) -> bool:
    seen = {term_id}
    at = parents.get(term_id)
    while at is not None:
        if at in seen:
            return True
        seen.add(at)
        at = parents.get(at)
    return False


def _refuse_other_areas_terms(area, bare) -> None:
    """Terms a feed names by id alone (not locked: a taxonomy goes from an area's to shared,
    never back, so what this finds stays true)."""
    if not bare:
        return
    row = (
        TaxonomyTerm.objects.filter(id__in=list(bare), taxonomy__area__isnull=False)
        .exclude(taxonomy__area=area)
        .select_related("taxonomy")
        .order_by("name", "pk")
        .first()
    )
    if row is not None:
        raise _belongs_elsewhere(row.name, row)


def _belongs_elsewhere(name, row) -> ActionError:
    """A term of another area's own taxonomy is shared only when the feed names that
    taxonomy by its id too: two feeds giving one taxonomy id are using one taxonomy (ADR
    0011 §7). A term id alone, or with another taxonomy's id or a name, is more likely a
    copied or mistaken id, and sharing on it would take the other area's editors' mapping
    from them without a word: nothing is imported, and the message says which term."""
    return ActionError(
        f"Term {name!r} ({row.pk}) belongs to another area's taxonomy "
        f"({row.taxonomy.name!r}): a feed may use it only by giving that taxonomy's id with "
        "it, which shares the taxonomy. Nothing was imported"
    )


def _save_taxonomy(area, record: TaxonomyRecord, warnings: list[str], *, by=None) -> Taxonomy:
    """The taxonomy a new term goes in: by the feed's id, else by name among the area's own
    and the shared ones, else the area's own catch-all. Only the area's own taxonomies are
    changed. Another area's is shared only when the feed gives its id (see
    `_belongs_elsewhere`): a name alone is too common ("Activities") to say that two
    areas use one taxonomy."""
    rows = Taxonomy.objects.select_for_update()
    if record.id is not None:
        row = rows.filter(pk=record.id).first()
    else:
        row = _by_name(rows, area, record.name or _catch_all(area))
    if row is not None and row.name == NEEDS_TAXONOMY:
        raise ActionError(f"The {NEEDS_TAXONOMY} taxonomy holds linkwork's needs only")
    if row is not None and row.area_id != area.pk:
        if row.area_id is not None:
            _share(row, warnings, area=area, by=by)
        return row
    name = record.name or _catch_all(area)
    if row is None:
        row = Taxonomy(id=record.id or uuid7(), area=area)
    if row.name != name and not Taxonomy.objects.filter(name=name).exclude(pk=row.pk).exists():
        row.name = name
    elif row._state.adding:
        row.name = _free_name(name)
    row.description = record.description or row.description
    row.uri = record.uri or row.uri
    row.version = record.version or row.version
    row.save()
    return row


def _by_name(rows, area, name: str) -> Taxonomy | None:
    """The area's own (or a shared) taxonomy of that name, or of the name it was given
    when another area's taxonomy had it already (`_free_name`), so an import without ids
    finds the taxonomy it made last time."""
    names = [name, *_free_names(name)]
    found = {
        t.name: t
        for t in rows.filter(Q(area=area) | Q(area__isnull=True), name__in=names).order_by()
    }
    return next((found[n] for n in names if n in found), None)


def _share(taxonomy: Taxonomy, warnings: list[str], *, area, by=None) -> None:
    # Terms are one row each, whoever's feed names them: a mapping made by the first area
    # would change this area's search too, so neither area keeps it.
    owner = taxonomy.area_id
    if Taxonomy.objects.filter(pk=taxonomy.pk, area__isnull=False).update(area=None):
        warnings.append(
            f"Taxonomy {taxonomy.name!r} is now used by two areas' feeds: it is shared, and "
            "only the installation's administrators map its terms to needs from now on"
        )
        # One row for each area, so either area's trail shows its editors lost the mapping.
        audit.record_changes(
            *(
                {
                    "by": by,
                    "verb": "share_taxonomy",
                    "obj": taxonomy,
                    "area": one,
                    "with_area": other,
                    "brought_by": area.pk,
                }
                for one, other in ((owner, area.pk), (area.pk, owner))
            )
        )
    taxonomy.area_id = None


def _catch_all(area) -> str:
    return f"{area.name} feed terms"[:100]


def _free_name(name: str) -> str:
    """Taxonomy names are unique: another taxonomy's name gets " (imported)" (and a number
    if that is taken too)."""
    for candidate in _free_names(name):
        if not Taxonomy.objects.filter(name=candidate).exists():
            return candidate
    raise ActionError(f"Too many taxonomies are called {name!r}")


def _free_names(name: str) -> list[str]:
    suffixes = [" (imported)", *(f" (imported {n})" for n in range(2, 100))]
    return [name[: 100 - len(suffix)] + suffix for suffix in suffixes]


def _save_chunk(area, chunk, needs_terms, known_terms, changes):
    now = timezone.now()
    ids = [r.id for r in chunk]
    existing = set(Service.objects.filter(id__in=ids).values_list("id", flat=True))
    foreign = (
        Service.objects.filter(id__in=existing).exclude(area=area).values_list("id", flat=True)
    )
    if foreign:
        raise ActionError(f"Service {foreign[0]} belongs to another area's directory")

    organizations = {}
    for r in chunk:
        organizations.setdefault(r.organization_id, r.organization_name)
    Organization.objects.bulk_create(
        [Organization(id=i, area=area, name=name) for i, name in organizations.items()],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name"],
    )

    services = []
    for r in chunk:
        service = Service(
            id=r.id,
            area=area,
            organization_id=r.organization_id,
            is_free=r.is_free,
            capacity_updated=now if r.capacity_available is not None else None,
            published=True,
            last_modified=now,
        )
        for name in SERVICE_FIELDS:
            setattr(service, name, getattr(r, name))
        services.append(service)
    Service.objects.bulk_create(
        services,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            *SERVICE_FIELDS,
            "organization",
            "is_free",
            "capacity_updated",
            "last_modified",
        ],
    )

    # Children are replaced wholesale: a feed is the truth about its listings.
    for model in (Schedule, CostOption, Language, ServiceAtLocation):
        model.objects.filter(service_id__in=existing).delete()
    Service.terms.through.objects.filter(service_id__in=existing).delete()

    locations = {loc.id: (r, loc) for r in chunk for loc in r.locations}
    Location.objects.bulk_create(
        [_location(r, loc) for r, loc in locations.values()],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            "name",
            "address_1",
            "city",
            "postal_code",
            "latitude",
            "longitude",
            "wheelchair_accessible",
            "accessibility_details",
            "organization",
        ],
    )
    ServiceAtLocation.objects.bulk_create(
        [
            ServiceAtLocation(id=_child_id(r.id, loc.id), service_id=r.id, location_id=loc.id)
            for r in chunk
            for loc in r.locations
        ]
    )
    Schedule.objects.bulk_create([_schedule(r, s) for r in chunk for s in r.schedules])
    CostOption.objects.bulk_create([_cost(r, c) for r in chunk for c in r.costs])
    Language.objects.bulk_create(
        [
            Language(id=_child_id(r.id, UUID(int=i)), service_id=r.id, name=name, code=code)
            for r in chunk
            for i, (name, code) in enumerate(r.languages)
        ]
    )
    links = []
    for r in chunk:
        term_ids = {needs_terms[c] for c in r.need_codes if c in needs_terms}
        unknown = [t for t in [*r.term_ids, *(t.id for t in r.terms)] if t not in known_terms]
        if unknown:
            raise ActionError(f"Service {r.id}: unknown taxonomy term {unknown[0]}")
        term_ids |= set(r.term_ids) | {t.id for t in r.terms}
        links += [Service.terms.through(service_id=r.id, taxonomyterm_id=t) for t in term_ids]
    Service.terms.through.objects.bulk_create(links)
    search_index.refresh(ids, changes)
    return len(chunk) - len(existing), len(existing)


def _child_id(parent: UUID, other: UUID) -> UUID:
    # Stable ids for rows a feed does not name (service-at-location, languages).
    return UUID(int=(parent.int ^ (other.int * 0x9E3779B97F4A7C15)) % (1 << 128))


def _location(r: ServiceRecord, loc: LocationRecord) -> Location:
    return Location(
        id=loc.id,
        organization_id=r.organization_id,
        name=loc.name,
        address_1=loc.address_1,
        city=loc.city,
        postal_code=loc.postal_code,
        latitude=loc.latitude,
        longitude=loc.longitude,
        wheelchair_accessible=loc.wheelchair_accessible,
        accessibility_details=loc.accessibility_details,
    )


def _schedule(r: ServiceRecord, s: ScheduleRecord) -> Schedule:
    return Schedule(
        id=s.id,
        service_id=r.id,
        freq=s.freq,
        interval=s.interval,
        byday=s.byday,
        opens_at=s.opens_at,
        closes_at=s.closes_at,
        valid_from=s.valid_from,
        valid_to=s.valid_to,
        description=s.description,
    )


def _cost(r: ServiceRecord, c: CostRecord) -> CostOption:
    return CostOption(
        id=c.id,
        service_id=r.id,
        option=c.option,
        amount=c.amount,
        currency=c.currency,
        amount_description=c.amount_description,
    )


@transaction.atomic
def update_capacity(*, by, service: Service, available: int | None) -> Service:
    if available is not None and available < 0:
        raise ActionError("Spare places cannot be negative", field="available")
    if (
        available is not None
        and service.capacity_maximum is not None
        and available > service.capacity_maximum
    ):
        raise ActionError(
            f"Spare places cannot be more than the maximum ({service.capacity_maximum})",
            field="available",
        )
    Service.objects.filter(pk=service.pk).update(
        capacity_available=available, capacity_updated=timezone.now()
    )
    service.refresh_from_db()
    search_index.refresh([service.pk])
    audit.record_change(by=by, verb="update_capacity", obj=service, available=available)
    return service


@transaction.atomic
def step_spare_places(*, by, service: Service, freed: bool) -> Service:
    """One click for a provider: a place came free, or one was taken (outside linkwork).
    Atomic, so two clicks at once count twice, never lost."""
    _require_owner(by, service)
    if service.capacity_available is None:
        raise ActionError("You do not count places for this listing: enter the number instead")
    if freed:
        changed = (
            Service.objects.filter(pk=service.pk)
            .filter(
                Q(capacity_maximum__isnull=True) | Q(capacity_available__lt=F("capacity_maximum"))
            )
            .update(capacity_available=F("capacity_available") + 1, capacity_updated=timezone.now())
        )
        if not changed:
            raise ActionError(f"All {service.capacity_maximum} places are already free")
    elif not take_place(by=by, service=service):
        raise ActionError("It is already full")
    service.refresh_from_db()
    search_index.refresh([service.pk])
    audit.record_change(by=by, verb="step_spare_places", obj=service, freed=freed)
    return service


@transaction.atomic
def take_place(*, by, service: Service) -> bool:
    """One of the activity's counted spare places goes to someone. False if it has none
    left; True if it took one, or does not count places."""
    now = timezone.now()
    counted = Service.objects.filter(pk=service.pk, capacity_available__isnull=False)
    if not counted.exists():
        return True
    if not counted.filter(capacity_available__gt=0).update(
        capacity_available=F("capacity_available") - 1, capacity_updated=now
    ):
        return False
    search_index.refresh([service.pk])
    audit.record_change(by=by, verb="take_place", obj=service)
    return True


@transaction.atomic
def release_place(*, by, service: Service) -> None:
    """A place someone held comes back (they finished, stopped or were cancelled)."""
    now = timezone.now()
    released = (
        Service.objects.filter(pk=service.pk, capacity_available__isnull=False)
        .filter(Q(capacity_maximum__isnull=True) | Q(capacity_available__lt=F("capacity_maximum")))
        .update(capacity_available=F("capacity_available") + 1, capacity_updated=now)
    )
    if released:
        search_index.refresh([service.pk])
        audit.record_change(by=by, verb="release_place", obj=service)


def _require_owner(by, service):
    require_permission(by, Permission.LISTING_EDIT_OWN)
    if not Service.objects.editable_by(by).filter(pk=service.pk).exists():
        raise PermissionDenied("This listing belongs to another organisation")


@transaction.atomic
def propose_change(*, by, service: Service, proposed: dict) -> ListingChange:
    """A provider's edit, kept aside until a directory editor approves it. `proposed` maps
    `listing_fields.FIELDS` names to a form's values; only what differs is kept."""
    _require_owner(by, service)
    now = listing_fields.editable(service)
    changes = {}
    for name, value in proposed.items():
        if name not in listing_fields.FIELDS:
            continue
        if name not in now:
            raise ActionError(
                "Ask the directory editor to change this for you: it is more than this form "
                "can show",
                field=name,
            )
        new = listing_fields.FIELDS[name].clean(value)
        if new != now[name]:
            changes[name] = new
    if not changes:
        raise ActionError("Nothing has changed")
    try:
        with transaction.atomic():
            change = ListingChange.objects.create(service=service, proposed=changes, by=by)
    except IntegrityError:
        raise ActionError("A change to this listing is already waiting for approval") from None
    audit.record_change(by=by, verb="propose_listing_change", obj=change, fields=sorted(changes))
    return change


@transaction.atomic
def diff(change: ListingChange) -> list[tuple[str, str, str]]:
    """(label, now, proposed) in words, for each field the change touches."""
    rows = []
    for name, value in change.proposed.items():
        field = listing_fields.FIELDS.get(name)
        if field is None:
            continue
        now = field.current(change.service)
        rows.append(
            (
                field.label,
                field.show(now) if now is not None else "(set by the directory editor)",
                field.show(value),
            )
        )
    return rows


@transaction.atomic
def decide_change(*, by, change: ListingChange, approve: bool, reason: str = "") -> ListingChange:
    require_permission(by, Permission.DIRECTORY_EDIT)
    if not approve and not reason.strip():
        raise ActionError("Say why the change is rejected, for the provider", field="reason")
    now = timezone.now()
    decided = ListingChange.objects.filter(
        pk=change.pk, status=ListingChange.Status.PENDING
    ).update(
        status=ListingChange.Status.APPROVED if approve else ListingChange.Status.REJECTED,
        decided_by=by,
        decided_at=now,
        reason=reason.strip(),
    )
    if not decided:
        raise ConcurrentChange("This change has already been decided by someone else")
    change.refresh_from_db()
    if approve:
        service = Service.objects.select_for_update().get(pk=change.service_id)
        touched = {service.pk}
        for name, value in change.proposed.items():
            if name in listing_fields.FIELDS:
                touched |= listing_fields.FIELDS[name].apply(service, value)
        # The provider has looked at it: it counts as checked, and comes back if stale.
        service.last_verified_on = timezone.localdate()
        service.published = service.published or service.status == Service.Status.ACTIVE
        service.save()
        search_index.refresh(touched)
    audit.record_change(
        by=by, verb="approve_listing_change" if approve else "reject_listing_change", obj=change
    )
    return change


@transaction.atomic
def verify_listing(*, by, service: Service) -> Service:
    """The provider confirms the listing is still right; a listing hidden for being stale
    comes back."""
    _require_owner(by, service)
    Service.objects.filter(pk=service.pk).update(
        last_verified_on=timezone.localdate(), published=True
    )
    service.refresh_from_db()
    search_index.refresh([service.pk])
    audit.record_change(by=by, verb="verify_listing", obj=service)
    return service


@transaction.atomic
def set_spare_places(*, by, service: Service, available: int | None) -> Service:
    _require_owner(by, service)
    return update_capacity(by=by, service=service, available=available)


@transaction.atomic
def flag_listing(*, service: Service, message: str) -> ListingFlag:
    """A visitor reports something wrong (no account needed)."""
    message = message.strip()
    if not message:
        raise ActionError("Tell us what is wrong", field="message")
    if len(message) > 2000:
        raise ActionError("Keep it under 2,000 characters", field="message")
    flag = ListingFlag.objects.create(service=service, message=message)
    audit.record_change(by=None, verb="flag_listing", obj=flag)
    return flag


@transaction.atomic
def resolve_flag(*, by, flag: ListingFlag) -> ListingFlag:
    require_permission(by, Permission.DIRECTORY_EDIT)
    if not ListingFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_by=by, resolved_at=timezone.now()
    ):
        raise ConcurrentChange("Someone else has already dealt with this report")
    flag.refresh_from_db()
    audit.record_change(by=by, verb="resolve_flag", obj=flag)
    return flag


@transaction.atomic
def save_synonym(
    *, by, phrase: str, expands_to: str, needs, synonym: Synonym | None = None
) -> Synonym:
    require_permission(by, Permission.DIRECTORY_EDIT)
    phrase = " ".join(re.sub(r"[^a-z0-9]+", " ", phrase.lower()).split())
    if not phrase:
        raise ActionError("Enter the words people use", field="phrase")
    if not expands_to.strip() and not needs:
        raise ActionError("Give the words it means, or the needs it is about", field="expands_to")
    clash = Synonym.objects.filter(phrase=phrase).exclude(pk=getattr(synonym, "pk", None))
    if clash.exists():
        raise ActionError(f"'{phrase}' is already a synonym", field="phrase")
    before = (synonym.phrase, set(synonym.needs.values_list("pk", flat=True))) if synonym else None
    synonym = synonym or Synonym()
    synonym.phrase = phrase
    synonym.expands_to = " ".join(expands_to.lower().split())
    synonym.save()
    synonym.needs.set(needs)
    forget_synonyms()
    transaction.on_commit(forget_synonyms)  # again, so no other request caches the old list
    after = (phrase, {getattr(n, "pk", n) for n in needs})
    if before != after and (after[1] or (before and before[1])):
        # Listings whose words hold the phrase have needs inferred from it.
        _refresh_phrase_listings({before[0] if before else phrase, phrase})
    audit.record_change(by=by, verb="save_synonym", obj=synonym)
    return synonym


def _refresh_phrase_listings(phrases: set[str]) -> None:
    from directory.tasks import refresh_phrase_listings

    # After commit: the task reads the synonyms table as this transaction leaves it.
    transaction.on_commit(lambda: refresh_phrase_listings.enqueue(sorted(phrases)))


@transaction.atomic
def delete_synonym(*, by, synonym: Synonym) -> None:
    require_permission(by, Permission.DIRECTORY_EDIT)
    audit.record_change(by=by, verb="delete_synonym", obj=synonym, phrase=synonym.phrase)
    named_needs = synonym.needs.exists()
    phrase = synonym.phrase
    synonym.delete()
    forget_synonyms()
    transaction.on_commit(forget_synonyms)
    if named_needs:
        _refresh_phrase_listings({phrase})


REMIND_AFTER_DAYS = 183  # six months
HIDE_AFTER_DAYS = 365


@transaction.atomic
def review_freshness(*, by, today=None) -> dict:
    """Listings not checked for six months: their provider's staff are asked to check them
    (once, until they do); after twelve they are hidden from search until confirmed."""
    from notifications.actions import email_staff

    today = today or timezone.localdate()
    stale = Service.objects.filter(published=True, status=Service.Status.ACTIVE).filter(
        Q(last_verified_on__lt=today - timedelta(days=HIDE_AFTER_DAYS))
        | Q(
            last_verified_on__isnull=True,
            created_at__date__lt=today - timedelta(days=HIDE_AFTER_DAYS),
        )
    )
    stale_ids = list(stale.values_list("id", flat=True))
    hidden = 0
    changes = word_stats.Changes()
    for start in range(0, len(stale_ids), BATCH):
        chunk = stale_ids[start : start + BATCH]
        hidden += Service.objects.filter(id__in=chunk).update(published=False)
        search_index.refresh(chunk, changes)
    changes.apply()
    due = Service.objects.filter(
        published=True, last_verified_on__lt=today - timedelta(days=REMIND_AFTER_DAYS)
    )
    unasked = due.filter(
        Q(check_reminder_sent_at__isnull=True)
        | Q(check_reminder_sent_at__date__lt=F("last_verified_on")),
        organization__owner__isnull=False,
    )
    by_owner: dict = {}
    for service_id, owner_id in unasked.values_list("id", "organization__owner_id"):
        by_owner.setdefault(owner_id, []).append(service_id)
    now = timezone.now()
    link = settings.SITE_URL.rstrip("/") + reverse("directory_manage:provider_listings")
    for owner_id, service_ids in by_owner.items():
        staff = User.objects.filter(organisation_id=owner_id, role=Role.PROVIDER, is_active=True)
        email_staff(
            by=by,
            users=staff,
            template_code="listing_check",
            personalisation={"count": len(service_ids), "link": link},
            reference=f"listing-check:{owner_id}:{today:%Y%m%d}",
        )
        Service.objects.filter(id__in=service_ids).update(check_reminder_sent_at=now)
    reminded = sum(len(ids) for ids in by_owner.values())
    audit.record_change(
        by=by, verb="review_listing_freshness", hidden=hidden, due=due.count(), reminded=reminded
    )
    return {"hidden": hidden, "reminders_due": due.count(), "reminded": reminded}


@transaction.atomic
def daily_freshness_review() -> dict:
    return review_freshness(by=None)


@transaction.atomic
def assign_owner(*, by, organization: Organization, owner) -> Organization:
    """Let a provider's staff keep this organisation's listings (`by=None` for operators)."""
    if by is not None:
        require_permission(by, Permission.DIRECTORY_EDIT)
    if owner.kind != owner.Kind.PROVIDER or owner.area_id != organization.area_id:
        raise ActionError(
            "Only a community provider in the same area can own listings", field="owner"
        )
    Organization.objects.filter(pk=organization.pk).update(owner=owner)
    organization.refresh_from_db()
    audit.record_change(by=by, verb="assign_listing_owner", obj=organization, owner=owner.pk)
    return organization


# Past this many listings, a mapping's search refresh runs as a background task, so the
# editor's page does not wait on it (a term of a big directory can tag thousands).
REFRESH_INLINE_MAX = 500


# `map_taxonomy_term(if_mapped_to=...)` left out: the term is changed whatever it means now.
ANY_MAPPING = object()


@transaction.atomic
def map_taxonomy_term(
    term: TaxonomyTerm, need, *, by, only_if_undecided=False, if_mapped_to=ANY_MAPPING
) -> TaxonomyTerm:
    """Say which linkwork need a feed's term means (`need=None`: none, its words only).
    Its listings are found by that need from then on. An area's taxonomy is its directory
    editors' to map; a shared one only the installation's administrators' (or operators',
    `by=None`). `only_if_undecided`: refuse if someone has decided since the page showed it
    undecided (two editors at once: the first decision stands, the second is told).
    `if_mapped_to` (a need, or None for its words only): a change of a decided term, refused
    unless the term still means what the editor saw, for the same reason."""
    locked = (
        # Not the need by join: after waiting on the lock, PostgreSQL rechecks the term's
        # row but not an outer-joined one, so it would show the need as it was before.
        TaxonomyTerm.objects.select_for_update(of=("self",))
        .select_related("taxonomy")
        .filter(pk=term.pk)
        .first()
    )
    if locked is None:
        raise ActionError("That term is no longer in the directory", field="term")
    _require_may_map(by, locked.taxonomy)
    if locked.taxonomy.name == NEEDS_TAXONOMY:
        raise ActionError("linkwork's own needs are not mapped", field="term")
    if need is not None and not need.active:
        raise ActionError(f"The need '{need.label}' is no longer in use", field="need")
    if only_if_undecided and locked.mapped_at is not None:
        raise ConcurrentChange(
            f"Someone else has just mapped '{locked.name}' to "
            f"{locked.need.label if locked.need else 'its words only'}: nothing was changed"
        )
    if if_mapped_to is not ANY_MAPPING and (
        locked.mapped_at is None
        or locked.need_id != (if_mapped_to.pk if if_mapped_to is not None else None)
    ):
        now = (
            "is waiting to be mapped again"
            if locked.mapped_at is None
            else f"now means {locked.need.label if locked.need else 'its words only'}"
        )
        raise ConcurrentChange(
            f"Someone else has just changed '{locked.name}': it {now}. Nothing was changed"
        )
    previous = locked.need.code if locked.need else None
    TaxonomyTerm.objects.filter(pk=locked.pk).update(need=need, mapped_at=timezone.now())
    locked.refresh_from_db()
    listings = list(
        Service.terms.through.objects.filter(taxonomyterm_id=locked.pk).values_list(
            "service_id", flat=True
        )
    )
    if len(listings) > REFRESH_INLINE_MAX:
        from directory.tasks import refresh_term_listings

        refresh_term_listings.enqueue(str(locked.pk))
    else:
        search_index.refresh(listings)
    audit.record_change(
        by=by,
        verb="map_taxonomy_term",
        obj=locked,
        need=need.code if need else None,
        previous=previous,
        listings=len(listings),
        background=len(listings) > REFRESH_INLINE_MAX,
    )
    return locked


def _require_may_map(by, taxonomy) -> None:
    if taxonomy.area_id is None:
        if by is not None:
            require_permission(by, Permission.AREAS_MANAGE)
        return
    if by is None:
        return
    require_permission(by, Permission.DIRECTORY_EDIT)
    if by.organisation.area_id != taxonomy.area_id:
        raise PermissionDenied("This taxonomy belongs to another area's directory")
