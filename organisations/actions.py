"""Setting up areas, PCNs and organisations (operators and the demo loader call these)."""

import re
from dataclasses import dataclass
from dataclasses import field as default

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission, has_permission
from geography import grid
from geography.lookup import PostcodeError, locate
from organisations.models import Area, AreaPublicInformation, Organisation, PrimaryCareNetwork


@transaction.atomic
def create_area(*, by, name: str, code: str) -> Area:
    area = Area.objects.create(name=name, code=code)
    audit.record_change(by=by, verb="create_area", obj=area)
    return area


# An ICB's ODS code ("QPM"), or its ONS code ("E54000059").
ODS_ICB_CODE = re.compile(r"Q[A-Z0-9]{2}")
ONS_ICB_CODE = re.compile(r"E54[0-9]{6}")
# A sub-ICB location (formerly CCG) ODS code: "03W", "15N", "D2P2L" (some have 5).
ODS_COMMISSIONER_CODE = re.compile(r"[A-Z0-9]{3}(?:[A-Z0-9]{2})?")


@transaction.atomic
def create_icb_area(
    *, by, name: str, code: str, commissioner_codes: list[str] | tuple = ()
) -> Area:
    """A system administrator sets up an ICB as an area. The code is the ICB's ODS code
    (matched against the `epraccur` ICB column on import) or its ONS code; the sub-ICB
    location codes say which practices are the area's when the code alone cannot."""
    name = " ".join(name.split())
    code = code.strip().upper()
    if not name:
        raise ActionError("Enter the ICB's name", field="name")
    if not (ODS_ICB_CODE.fullmatch(code) or ONS_ICB_CODE.fullmatch(code)):
        raise ActionError(
            "Enter the ICB's ODS code (3 characters starting with Q, like QPM) or its ONS "
            "code (E54 and 6 digits, like E54000059)",
            field="code",
        )
    codes = _commissioner_codes(commissioner_codes)
    if ODS_ICB_CODE.fullmatch(code) and code not in codes:
        codes.insert(0, code)
    if Area.objects.filter(code=code).exists():
        raise ActionError(f"There is already an area with the code {code}", field="code")
    if Area.objects.filter(name__iexact=name).exists():
        raise ActionError(f"There is already an area called {name}", field="name")
    area = Area.objects.create(name=name, code=code, ods_commissioner_codes=codes)
    audit.record_change(by=by, verb="create_area", obj=area, commissioner_codes=codes)
    return area


@transaction.atomic
def set_area_commissioner_codes(*, by, area: Area, commissioner_codes) -> Area:
    old = list(area.ods_commissioner_codes)
    area.ods_commissioner_codes = _commissioner_codes(commissioner_codes)
    area.save(update_fields=["ods_commissioner_codes"])
    audit.record_change(
        by=by,
        verb="set_area_commissioner_codes",
        obj=area,
        old=old,
        new=area.ods_commissioner_codes,
    )
    return area


def _commissioner_codes(codes) -> list[str]:
    if isinstance(codes, str):
        codes = re.split(r"[\s,]+", codes)
    cleaned = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if not ODS_COMMISSIONER_CODE.fullmatch(code):
            raise ActionError(
                f"{code} is not an ODS ICB or sub-ICB location code (like QPM or 15N)",
                field="commissioner_codes",
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


OPERATOR_AREA = ("Operator of this installation", "OPERATOR")


@transaction.atomic
def operator_organisation(*, by) -> Organisation:
    """Where system administrators' accounts live: every account belongs to one
    organisation in one area, so the installation's operator is an organisation of its own,
    in an area of its own that is never listed with the ICBs (ADR 0007)."""
    area = Area.objects.select_for_update().filter(operator=True).first()
    if area is None:
        name, code = OPERATOR_AREA
        area = Area.objects.create(name=name, code=code, operator=True)
        audit.record_change(by=by, verb="create_operator_area", obj=area)
    organisation = area.organisations.filter(kind=Organisation.Kind.OPERATOR).first()
    if organisation is None:
        organisation = create_organisation(
            by=by, area=area, kind=Organisation.Kind.OPERATOR, name=area.name
        )
    return organisation


@transaction.atomic
def area_office(*, by, area: Area) -> Organisation:
    """Where an area's service administrators' accounts live: the ICB itself, as the
    area's (first) commissioner organisation, made the first time it is needed."""
    if area.operator:
        raise ActionError("The operator's area has no service administrators", field="area")
    area = Area.objects.select_for_update().get(pk=area.pk)
    organisation = (
        area.organisations.filter(kind=Organisation.Kind.COMMISSIONER)
        .order_by("created_at")
        .first()
    )
    if organisation is None:
        organisation = create_organisation(
            by=by,
            area=area,
            kind=Organisation.Kind.COMMISSIONER,
            name=area.name,
            ods_code=area.code if ODS_ICB_CODE.fullmatch(area.code) else "",
        )
    return organisation


@transaction.atomic
def create_pcn(*, by, area: Area, name: str, ods_code: str) -> PrimaryCareNetwork:
    pcn = PrimaryCareNetwork.objects.create(area=area, name=name, ods_code=ods_code)
    audit.record_change(by=by, verb="create_pcn", obj=pcn)
    return pcn


@transaction.atomic
def create_organisation(
    *,
    by,
    area: Area,
    kind: str,
    name: str,
    ods_code: str = "",
    pcn: PrimaryCareNetwork | None = None,
    postcode: str = "",
    first_contact_target_days: int = 5,
) -> Organisation:
    organisation = Organisation.objects.create(
        area=area,
        kind=kind,
        name=name,
        ods_code=ods_code,
        pcn=pcn,
        postcode=postcode,
        first_contact_target_days=first_contact_target_days,
        **_location(postcode),
    )
    audit.record_change(by=by, verb="create_organisation", obj=organisation)
    return organisation


@transaction.atomic
def set_organisation_postcode(*, by, organisation: Organisation, postcode: str) -> Organisation:
    """An organisation moved (or its postcode was wrong): the postcode and where it is
    change together."""
    old = organisation.postcode
    organisation.postcode = postcode
    for field, value in _location(postcode).items():
        setattr(organisation, field, value)
    organisation.save(update_fields=["postcode", "latitude", "longitude", "cell"])
    audit.record_change(
        by=by, verb="set_organisation_postcode", obj=organisation, old=old, new=postcode
    )
    return organisation


@transaction.atomic
def relocate_organisations(*, by) -> int:
    """Locate every organisation's postcode again, after the postcode directory changed (an
    ONSPD import turns district centroids into full-postcode places). Returns how many
    moved."""
    moved = []
    for organisation in Organisation.objects.only(
        "pk", "postcode", "latitude", "longitude", "cell"
    ).iterator(chunk_size=2000):
        location = _location(organisation.postcode)
        if any(getattr(organisation, f) != v for f, v in location.items()):
            for field, value in location.items():
                setattr(organisation, field, value)
            moved.append(organisation)
    Organisation.objects.bulk_update(moved, ["latitude", "longitude", "cell"], batch_size=1000)
    audit.record_change(by=by, verb="relocate_organisations", moved=len(moved))
    return len(moved)


# What an administrator may set on each kind of organisation (the edit page's fields).
EDITABLE = {
    "name",
    "ods_code",
    "postcode",
    "address",
    "phone",
    "opening_hours",
    "first_contact_target_days",
    "response_working_days",
    "reminder_working_days",
    "caseload_safe_min",
    "caseload_safe_max",
}
# Kinds an area's service administrator creates in pages (practices come from ODS).
MANAGED_KINDS = (
    Organisation.Kind.LINK_WORKER_SERVICE,
    Organisation.Kind.REFERRING_PARTNER,
    Organisation.Kind.PROVIDER,
)


@transaction.atomic
def add_organisation(*, by, area: Area, kind: str, **fields) -> Organisation:
    """A service administrator adds a link-worker service, referring partner or community
    provider to their area."""
    if kind not in MANAGED_KINDS:
        raise ActionError("That kind of organisation cannot be added here", field="kind")
    covers_practices = fields.pop("covers_practices", None)
    covers_pcns = fields.pop("covers_pcns", None)
    organisation = Organisation(area=area, kind=kind)
    _apply(organisation, fields)
    organisation.save()
    _set_coverage(organisation, covers_practices, covers_pcns)
    audit.record_change(
        by=by, verb="add_organisation", obj=organisation, kind=kind, fields=sorted(fields)
    )
    return organisation


@transaction.atomic
def update_organisation(*, by, organisation: Organisation, version: int, **fields) -> Organisation:
    """Change an organisation's details. `version` is the one the administrator saw: if
    someone else saved in between, nothing changes and they are told."""
    covers_practices = fields.pop("covers_practices", None)
    covers_pcns = fields.pop("covers_pcns", None)
    claimed = Organisation.objects.filter(pk=organisation.pk, version=version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ConcurrentChange(
            "Someone else changed this organisation while you were editing it. Their "
            "changes are shown below with yours: check them and save again."
        )
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {name: getattr(current, name) for name in fields}
    _apply(current, fields)
    current.save()
    _set_coverage(current, covers_practices, covers_pcns)
    changed = sorted(n for n in fields if before[n] != getattr(current, n))
    audit.record_change(by=by, verb="update_organisation", obj=current, changed=changed)
    return current


def _apply(organisation: Organisation, fields: dict) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ActionError(f"Cannot set {', '.join(sorted(unknown))}")
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
        if not fields["name"]:
            raise ActionError("Enter the organisation's name", field="name")
    if fields.get("ods_code"):
        code = fields["ods_code"].strip().upper()
        clash = Organisation.objects.filter(ods_code=code).exclude(pk=organisation.pk)
        if clash.exists():
            raise ActionError(
                f"{code} is already {clash.first().name}'s ODS code", field="ods_code"
            )
        fields["ods_code"] = code
    old_postcode = organisation.postcode
    for name, value in fields.items():
        setattr(organisation, name, value)
    if organisation.reminder_working_days < 1 or (
        organisation.reminder_working_days >= organisation.response_working_days
    ):
        raise ActionError(
            "The reminder must go out at least 1 working day before the deadline",
            field="reminder_working_days",
        )
    if organisation.caseload_safe_min > organisation.caseload_safe_max:
        raise ActionError(
            "The safe caseload's lowest figure must not be above its highest",
            field="caseload_safe_min",
        )
    if organisation.postcode != old_postcode or organisation._state.adding:
        for name, value in _location(organisation.postcode).items():
            setattr(organisation, name, value)


def _set_coverage(organisation: Organisation, practices, pcns) -> None:
    if practices is None and pcns is None:
        return
    if organisation.kind != Organisation.Kind.LINK_WORKER_SERVICE:
        raise ActionError("Only link-worker services cover practices and PCNs")
    if practices is not None:
        practices = list(practices)
        if any(
            p.area_id != organisation.area_id or p.kind != Organisation.Kind.GP_PRACTICE
            for p in practices
        ):
            raise ActionError("Choose practices in your area", field="covers_practices")
        organisation.covers_practices.set(practices)
    if pcns is not None:
        pcns = list(pcns)
        if any(p.area_id != organisation.area_id for p in pcns):
            raise ActionError("Choose PCNs in your area", field="covers_pcns")
        organisation.covers_pcns.set(pcns)


PCN_CODE = re.compile(r"U[0-9]{5}")


@transaction.atomic
def add_pcn(*, by, area: Area, name: str, ods_code: str) -> PrimaryCareNetwork:
    name, ods_code = " ".join(name.split()), ods_code.strip().upper()
    if not name:
        raise ActionError("Enter the PCN's name", field="name")
    if not PCN_CODE.fullmatch(ods_code):
        raise ActionError("Enter the PCN's ODS code: U and 5 digits, like U12345", field="ods_code")
    if PrimaryCareNetwork.objects.filter(ods_code=ods_code).exists():
        raise ActionError(f"There is already a PCN with the code {ods_code}", field="ods_code")
    return create_pcn(by=by, area=area, name=name, ods_code=ods_code)


@transaction.atomic
def rename_pcn(*, by, pcn: PrimaryCareNetwork, name: str) -> PrimaryCareNetwork:
    name = " ".join(name.split())
    if not name:
        raise ActionError("Enter the PCN's name", field="name")
    old = pcn.name
    PrimaryCareNetwork.objects.filter(pk=pcn.pk).update(name=name)
    pcn.name = name
    audit.record_change(by=by, verb="rename_pcn", obj=pcn, old=old, new=name)
    return pcn


def _location(postcode: str) -> dict:
    """Latitude, longitude and grid cell of a postcode; all None when it is empty or not
    known (the organisation is kept, and is simply never "the nearest")."""
    try:
        place = locate(postcode) if postcode.strip() else None
    except PostcodeError:
        place = None
    if place is None:
        return {"latitude": None, "longitude": None, "cell": None}
    return {
        "latitude": place.latitude,
        "longitude": place.longitude,
        "cell": grid.cell(place.latitude, place.longitude),
    }


@dataclass
class OdsImport:
    """What an ODS import did, or the problems that stopped it (then it did nothing)."""

    problems: list = default(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    skipped: int = 0
    pcns_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@transaction.atomic
def import_ods_practices(
    *, by, area: Area, practices_text: str, pcns_text: str | None = None, progress=None
) -> OdsImport:
    """Bring the area's GP practices (and, given the PCN membership file, their PCNs) up to
    date with NHS ODS, matched by ODS code: new ones added, changed names, addresses,
    postcodes and phone numbers updated, closed ones made inactive (their referrals stay),
    unchanged ones left alone. All or nothing: any problem in either file, and nothing is
    written. `progress` wraps the list of practices being written (a progress bar)."""
    from organisations import ods

    # Imports into one area take turns, so two administrators uploading at once cannot
    # both add the same practice.
    area = Area.objects.select_for_update().get(pk=area.pk)
    codes = set(area.ods_commissioner_codes)
    if not codes:
        return OdsImport(
            problems=[
                ods.Problem(
                    0,
                    "",
                    f"{area.name} has no ICB or sub-ICB location codes, so no practice in "
                    "the file can be recognised as its own. Ask the system administrator "
                    "to add them.",
                )
            ]
        )
    parsed = ods.read_practices(practices_text, area_codes=codes)
    if pcns_text is not None:
        ods.read_memberships(pcns_text, parsed=parsed)
    result = OdsImport(problems=parsed.problems, skipped=parsed.skipped)
    by_code = {row.code: row for row in parsed.practices}
    existing = {
        o.ods_code: o
        for o in Organisation.objects.filter(ods_code__in=by_code).select_related("area")
    }
    for code, organisation in existing.items():
        if organisation.area_id != area.pk or organisation.kind != Organisation.Kind.GP_PRACTICE:
            result.problems.append(
                ods.Problem(
                    by_code[code].line,
                    ods.column(ods.EPRACCUR_COLUMNS, "organisation_code"),
                    f"{code} is already {organisation.name} "
                    f"({organisation.get_kind_display()}, {organisation.area.name})",
                )
            )
    pcn_for, new_pcns = _plan_pcns(area, parsed, by_code, existing, result.problems)
    if result.problems:
        result.problems.sort(key=lambda p: (p.column.startswith("PCN file"), p.line))
        return result

    pcns = {p.ods_code: p for p in PrimaryCareNetwork.objects.filter(area=area)}
    for code, name in sorted(new_pcns.items()):
        if code in pcns:
            if name and pcns[code].name != name:
                rename_pcn(by=by, pcn=pcns[code], name=name)
        else:
            pcns[code] = create_pcn(by=by, area=area, name=name, ods_code=code)
            result.pcns_created += 1

    rows = parsed.practices
    for row in progress(rows) if progress else rows:
        wanted = {
            "name": row.name,
            "address": row.address,
            "postcode": row.postcode,
            "phone": row.phone,
            "active": row.active,
            "closed_on": row.closed_on,
        }
        if pcns_text is not None:
            wanted["pcn"] = pcns.get(pcn_for.get(row.code))
        organisation = existing.get(row.code)
        if organisation is None:
            organisation = Organisation(
                area=area, kind=Organisation.Kind.GP_PRACTICE, ods_code=row.code, **wanted
            )
            for name, value in _location(row.postcode).items():
                setattr(organisation, name, value)
            organisation.save()
            audit.record_change(by=by, verb="ods_add_practice", obj=organisation)
            result.created += 1
            continue
        changed = [n for n, v in wanted.items() if getattr(organisation, n) != v]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(organisation, name, wanted[name])
        fields = list(changed)
        if "postcode" in changed:
            for name, value in _location(row.postcode).items():
                setattr(organisation, name, value)
            fields += ["latitude", "longitude", "cell"]
        organisation.version += 1
        organisation.save(update_fields=[*fields, "version"])
        if "active" in changed and not row.active:
            result.closed += 1
        audit.record_change(by=by, verb="ods_update_practice", obj=organisation, changed=changed)
        result.updated += 1
    audit.record_change(
        by=by,
        verb="import_ods_practices",
        obj=area,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        closed=result.closed,
        skipped=result.skipped,
        pcns_created=result.pcns_created,
    )
    return result


def _plan_pcns(area, parsed, by_code, existing, problems):
    """Each imported practice's current PCN (the latest relationship without an end date
    in the past), and the PCNs to add or rename; problems for PCNs that cannot be."""
    from organisations import ods

    today = timezone.localdate()
    ours = set(by_code) | set(
        Organisation.objects.filter(area=area, kind=Organisation.Kind.GP_PRACTICE)
        .exclude(ods_code="")
        .values_list("ods_code", flat=True)
    )
    current = {}
    for m in parsed.memberships:
        if m.practice_code not in ours:
            parsed.skipped += 1
            continue
        if m.end is not None and m.end <= today:
            continue
        if m.practice_code not in current or m.start > current[m.practice_code].start:
            current[m.practice_code] = m
    known = {
        p.ods_code: p
        for p in PrimaryCareNetwork.objects.filter(
            ods_code__in={m.pcn_code for m in current.values()}
        ).select_related("area")
    }
    names = {}
    for m in sorted(current.values(), key=lambda m: m.line):
        pcn = known.get(m.pcn_code)
        where = "PCN file " + ods.column(ods.EPCN_COLUMNS, "pcn_code")
        if pcn is not None and pcn.area_id != area.pk:
            problems.append(
                ods.Problem(m.line, where, f"PCN {m.pcn_code} belongs to {pcn.area.name}")
            )
        elif pcn is None and not m.pcn_name:
            problems.append(
                ods.Problem(m.line, where, f"Unknown PCN {m.pcn_code}: the file gives no name")
            )
        else:
            names[m.pcn_code] = m.pcn_name or pcn.name
    return {code: m.pcn_code for code, m in current.items()}, names


# Long enough for any notice; short enough that a pasted file cannot fill the database.
NOTICE_MAX_CHARS = 30_000


@transaction.atomic
def update_public_information(
    *,
    by,
    area: Area,
    version: int,
    service_name: str,
    phone: str,
    email: str,
    privacy_notice: str,
    accessibility_statement: str,
    reviewed_on,
):
    """The area's service administrator saves what the public are told: who runs the
    service, how to reach them, the privacy notice and the accessibility statement.
    `version` is the one they saw (0 before anything was saved): if someone else saved in
    between, nothing changes and they are told."""
    if by is not None and not (
        has_permission(by, Permission.AREA_SETTINGS_EDIT) and by.organisation.area_id == area.pk
    ):
        raise ActionError("Only the area's service administrators can change this")
    if area.operator:
        raise ActionError("The operator's area has no public pages")
    fields = {
        "service_name": " ".join(service_name.split()),
        "phone": " ".join(phone.split()),
        "email": email.strip(),
        "privacy_notice": privacy_notice.strip(),
        "accessibility_statement": accessibility_statement.strip(),
        "reviewed_on": reviewed_on,
    }
    if not fields["service_name"]:
        raise ActionError("Enter the name people know the service by", field="service_name")
    if not fields["phone"]:
        raise ActionError("Enter the phone number people can call", field="phone")
    for name, label in (
        ("privacy_notice", "privacy notice"),
        ("accessibility_statement", "accessibility statement"),
    ):
        if not fields[name]:
            raise ActionError(f"Enter the {label}", field=name)
        if len(fields[name]) > NOTICE_MAX_CHARS:
            raise ActionError(
                f"The {label} must be {NOTICE_MAX_CHARS:,} characters or fewer", field=name
            )
    if reviewed_on is not None and reviewed_on > timezone.localdate():
        raise ActionError(
            "The date it was last reviewed must be today or in the past", field="reviewed_on"
        )
    stale = ConcurrentChange(
        "Someone else changed this while you were editing it. What they saved is shown in "
        "the preview below, with what you typed in the boxes: check it and save again."
    )
    now = timezone.now()
    if version == 0:
        try:
            # A savepoint: the one-to-one constraint decides between two first saves.
            with transaction.atomic():
                current = AreaPublicInformation.objects.create(
                    area=area, version=1, updated_at=now, **fields
                )
        except IntegrityError:
            raise stale from None
        changed = sorted(fields)
    else:
        before = AreaPublicInformation.objects.filter(area=area).first()
        # The conditional update lets exactly one of two saves of the same version win.
        claimed = AreaPublicInformation.objects.filter(area=area, version=version).update(
            version=F("version") + 1, updated_at=now, **fields
        )
        if not claimed:
            raise stale
        current = AreaPublicInformation.objects.get(area=area)
        changed = sorted(n for n, v in fields.items() if getattr(before, n) != v)
    audit.record_change(
        by=by, verb="update_public_information", obj=current, area=area.code, changed=changed
    )
    return current
