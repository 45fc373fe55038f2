"""GP consultations and A&E attendances in the six months before a referral and the six
months after it: the windows, recording them for one person, and importing them from a
practice's data as a CSV (every row checked first; all or nothing).

The "after" window can only be counted once it has passed, so it is refused before then."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit, csv_safe
from core.dates import add_months
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission, require_permission
from outcomes.models import HealthcareUse
from referrals.models import Referral, ReferralEvent
from referrals.validators import nhs_number_check_digit

Period = HealthcareUse.Period
MAX_GP = 150
MAX_AE = 100
IMPORT_COLUMNS = [
    "nhs_number",
    "referral_date",
    "gp_consultations_before",
    "ae_attendances_before",
    "gp_consultations_after",
    "ae_attendances_after",
]
MAX_IMPORT_ROWS = 5_000


def window(referral: Referral, period: str) -> tuple[date, date]:
    """(first day, last day) counted: the 6 months up to the day before the referral, or
    the 6 months from the day it was received."""
    received = timezone.localtime(referral.received_at).date()
    if period == Period.BEFORE:
        return add_months(received, -6), received - timedelta(days=1)
    return received, add_months(received, 6) - timedelta(days=1)


def check_counts(gp, ae) -> list[tuple[str, str]]:
    """(field, message) for each count that cannot be right."""
    problems = []
    for name, value, highest, what in (
        ("gp_consultations", gp, MAX_GP, "GP consultations"),
        ("ae_attendances", ae, MAX_AE, "A&E attendances"),
    ):
        if value is None:
            problems.append((name, f"Enter the number of {what} (0 if none)"))
        elif value < 0 or value > highest:
            problems.append((name, f"{what} must be a whole number from 0 to {highest}"))
    return problems


@transaction.atomic
def record_healthcare_use(
    *,
    by,
    referral: Referral,
    period: str,
    gp_consultations: int,
    ae_attendances: int,
    source: str = HealthcareUse.Source.ENTERED,
    version: int | None = None,
    today: date | None = None,
) -> HealthcareUse:
    """Record (or correct) one window. `version` is the record the user saw: a correction
    on top of someone else's newer one is refused, not silently overwritten."""
    require_permission(
        by,
        Permission.HEALTHCARE_USE_IMPORT
        if source == HealthcareUse.Source.IMPORTED
        else Permission.HEALTHCARE_USE_RECORD,
    )
    if period not in Period.values:
        raise ActionError("Choose before or after the referral", field="period")
    problems = check_counts(gp_consultations, ae_attendances)
    if problems:
        raise ActionError(problems[0][1], field=problems[0][0])
    starts, ends = window(referral, period)
    today = today or timezone.localdate()
    if period == Period.AFTER and ends >= today:
        raise ActionError(
            f"The 6 months after this referral run until {ends:%-d %B %Y}: "
            "record them once they have passed",
            field="period",
        )
    now = timezone.now()
    existing = (
        HealthcareUse.objects.select_for_update().filter(referral=referral, period=period).first()
    )
    if existing is not None and version is not None and existing.version != version:
        raise ConcurrentChange(
            "Someone else recorded these figures while you were typing: check theirs, "
            "then correct them if they are wrong"
        )
    if existing is None:
        try:
            with transaction.atomic():
                record = HealthcareUse.objects.create(
                    referral=referral,
                    period=period,
                    starts_on=starts,
                    ends_on=ends,
                    gp_consultations=gp_consultations,
                    ae_attendances=ae_attendances,
                    source=source,
                    recorded_by=by,
                    updated_at=now,
                )
        except IntegrityError:
            raise ConcurrentChange(
                "Someone else recorded these figures at the same moment: check theirs"
            ) from None
    else:
        record = existing
        record.gp_consultations = gp_consultations
        record.ae_attendances = ae_attendances
        record.source = source
        record.recorded_by = by
        record.updated_at = now
        record.version += 1
        record.save()
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.HEALTHCARE_USE,
        summary=f"GP and A&E use, {Period(period).label}: {gp_consultations} GP "
        f"consultations, {ae_attendances} A&E attendances",
        detail=f"{starts:%-d %b %Y} to {ends:%-d %b %Y}; {HealthcareUse.Source(source).label}",
    )
    audit.record_change(
        by=by, verb="record_healthcare_use", obj=record, person=referral.person, period=period
    )
    return record


# Importing a practice's figures


@dataclass
class ImportResult:
    problems: list[dict] = field(default_factory=list)  # line, column, message
    planned: list[tuple] = field(default_factory=list)  # (referral, period, gp, ae)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_import(*, by, content: str, today: date | None = None) -> ImportResult:
    """Check every row of a practice's CSV against the service's referrals. Nothing is
    written: `import_healthcare_use` writes only a result with no problems."""
    require_permission(by, Permission.HEALTHCARE_USE_IMPORT)
    today = today or timezone.localdate()
    result = ImportResult()
    reader = csv_safe.dict_reader(content, max_rows=MAX_IMPORT_ROWS)
    try:
        names = [(c or "").strip() for c in (reader.fieldnames or [])]
    except csv_safe.CsvRefused as refused:
        result.problems.append({"line": refused.line, "column": "", "message": refused.message})
        return result
    missing = [c for c in ("nhs_number",) if c not in names]
    if missing or not reader.fieldnames:
        result.problems.append(
            {"line": 1, "column": "", "message": "The first row must name the columns, "
             f"like the template: {', '.join(IMPORT_COLUMNS)}"}
        )  # fmt: skip
        return result
    unknown = [c for c in reader.fieldnames if c and c.strip() not in IMPORT_COLUMNS]
    for column in unknown:
        result.problems.append(
            {"line": 1, "column": column, "message": "Not a column linkwork knows: remove it"}
        )
    # Headers with stray spaces still name their columns; each row keeps the file line it
    # came from (blank lines are skipped, so counting rows would drift).
    rows = []
    try:
        for row in reader:
            if row.get(None):
                # A stray comma would shift every later figure into the wrong column.
                result.problems.append(
                    {"line": reader.line_num, "column": "",
                     "message": f"This row has more values than the first row has columns "
                     f"({len(reader.fieldnames)}): check for a stray comma"}
                )  # fmt: skip
                continue
            rows.append(
                (
                    reader.line_num,
                    {(k or "").strip(): v for k, v in row.items() if not isinstance(v, list)},
                )
            )
    except csv_safe.CsvRefused as refused:  # too many rows, or not CSV at all
        result.problems.append({"line": refused.line, "column": "", "message": refused.message})
        return result
    numbers = {(r.get("nhs_number") or "").replace(" ", "") for _, r in rows}
    referrals: dict[str, list[Referral]] = {}
    for referral in (
        Referral.objects.visible_to(by)
        .filter(person__nhs_number__in=numbers)
        .select_related("person")
    ):
        referrals.setdefault(referral.person.nhs_number, []).append(referral)
    seen: dict = {}
    for line, row in rows:

        def problem(column, message, line=line):
            result.problems.append({"line": line, "column": column, "message": message})

        number = (row.get("nhs_number") or "").replace(" ", "")
        if not (len(number) == 10 and number.isascii() and number.isdigit()):
            problem("nhs_number", "Enter a 10-digit NHS number")
            continue
        if str(nhs_number_check_digit(number[:9])) != number[9]:
            problem("nhs_number", "Not a valid NHS number (the check digit is wrong)")
            continue
        found = referrals.get(number, [])
        if not found:
            problem("nhs_number", "Nobody with this NHS number has been referred to your service")
            continue
        referral = _which_referral(found, (row.get("referral_date") or "").strip(), problem)
        if referral is None:
            continue
        if referral.pk in seen:
            problem("nhs_number", f"The same referral is already on line {seen[referral.pk]}")
            continue
        seen[referral.pk] = line
        given = False
        for period in Period.values:
            gp_raw = (row.get(f"gp_consultations_{period}") or "").strip()
            ae_raw = (row.get(f"ae_attendances_{period}") or "").strip()
            if not gp_raw and not ae_raw:
                continue
            given = True
            gp, ae = _whole(gp_raw), _whole(ae_raw)
            for column, message in check_counts(gp, ae):
                problem(f"{column}_{period}", message)
            if check_counts(gp, ae):
                continue
            ends = window(referral, period)[1]
            if period == Period.AFTER and ends >= today:
                problem(
                    f"gp_consultations_{period}",
                    f"The 6 months after this referral run until {ends:%-d %B %Y}: "
                    "leave 'after' empty until then",
                )
                continue
            result.planned.append((referral, period, gp, ae))
        if not given:
            problem("gp_consultations_before", "Give the figures before, after, or both")
    return result


def _which_referral(found, raw_date, problem):
    if raw_date:
        try:
            wanted = date.fromisoformat(raw_date)
        except ValueError:
            problem("referral_date", "Write the date as YYYY-MM-DD, for example 2026-03-14")
            return None
        matches = [r for r in found if timezone.localtime(r.received_at).date() == wanted]
        if not matches:
            problem("referral_date", "No referral of this person was received on that date")
            return None
        return matches[0]
    if len(found) > 1:
        problem(
            "referral_date",
            "This person has been referred more than once: give the referral date",
        )
        return None
    return found[0]


def _whole(raw: str) -> int | None:
    return int(raw) if raw.isdecimal() else None if raw == "" else -1


@transaction.atomic
def import_healthcare_use(*, by, content: str, filename: str) -> ImportResult:
    result = check_import(by=by, content=content)
    if not result.ok:
        return result
    for referral, period, gp, ae in result.planned:
        record_healthcare_use(
            by=by,
            referral=referral,
            period=period,
            gp_consultations=gp,
            ae_attendances=ae,
            source=HealthcareUse.Source.IMPORTED,
        )
    audit.record_change(
        by=by, verb="import_healthcare_use", filename=filename, rows=len(result.planned)
    )
    return result
