"""Referrals in a CSV (docs/referrals-template.csv): every row checked, every problem named
with its line, field and rule; made all together or not at all."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from core import csv_safe
from referrals import validators
from referrals.actions import PersonDetails
from referrals.demographics import EthnicCategory, Sex
from referrals.models import ContactMethod, Need

COLUMNS = [
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "phone",
    "email",
    "preferred_contact",
    "texts_allowed",
    "emails_allowed",
    "needs",
    "context",
    "consent_to_contact",
]
# Optional columns: a file without them is fine.
OPTIONAL_COLUMNS = ["sex", "ethnicity"]
REQUIRED = {"given_name", "family_name", "date_of_birth", "postcode", "needs", "consent_to_contact"}
MAX_ROWS = 5000
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass
class Row:
    line: int
    person: PersonDetails
    needs: list
    context: str


def problem(line, field, rule) -> dict:
    return {"line": line, "field": field, "rule": rule}


def read(text: str) -> tuple[list[dict], list[dict]]:
    """(rows with their line numbers, problems with the file itself)."""
    reader = csv_safe.dict_reader(text, max_rows=MAX_ROWS)
    rows = []
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            return [], [problem(1, ", ".join(missing), "missing columns: use the template")]
        for row in reader:
            rows.append(
                {
                    "line": reader.line_num,
                    **{k.strip(): (v or "").strip() for k, v in row.items() if k},
                }
            )
    except csv_safe.CsvRefused as refused:
        return [], [problem(refused.line, "-", refused.message)]
    if not rows:
        return [], [problem(2, "-", "the file has no rows")]
    return rows, []


def check(row: dict, needs_by_code: dict) -> tuple[Row | None, list[dict]]:
    line = row["line"]
    found = []

    def fail(field, rule):
        found.append(problem(line, field, rule))

    for field in REQUIRED:
        if not row.get(field):
            fail(field, "is required")
    nhs = ""
    if row.get("nhs_number"):
        try:
            nhs = validators.normalise_nhs_number(row["nhs_number"])
        except ValidationError as error:
            fail("nhs_number", error.messages[0])
    born = None
    if row.get("date_of_birth"):
        born = _date(row["date_of_birth"])
        if born is None:
            fail("date_of_birth", "must be a date like 1961-03-27 or 27/03/1961")
        else:
            try:
                validators.check_date_of_birth(born, today=timezone.localdate())
            except ValidationError as error:
                fail("date_of_birth", error.messages[0])
    postcode = ""
    if row.get("postcode"):
        try:
            postcode = validators.normalise_postcode(row["postcode"])
        except ValidationError as error:
            fail("postcode", error.messages[0])
    phone = ""
    if row.get("phone"):
        try:
            phone = validators.normalise_uk_phone(row["phone"])
        except ValidationError as error:
            fail("phone", error.messages[0])
    email = row.get("email", "")
    if email and "@" not in email:
        fail("email", "is not an email address")
    preferred = (row.get("preferred_contact") or "phone").lower()
    if preferred not in ContactMethod.values:
        fail("preferred_contact", f"must be one of {', '.join(ContactMethod.values)}")
    elif preferred in (ContactMethod.PHONE, ContactMethod.TEXT) and not phone:
        fail("phone", "is needed to contact them by phone or text")
    elif preferred == ContactMethod.EMAIL and not email:
        fail("email", "is needed to contact them by email")
    flags = {}
    for field in ("texts_allowed", "emails_allowed", "consent_to_contact"):
        value = row.get(field, "").lower()
        if value not in YES | NO:
            fail(field, "must be yes or no")
        flags[field] = value in YES
    if row.get("consent_to_contact") and not flags["consent_to_contact"]:
        fail("consent_to_contact", "must be yes: we cannot accept a referral without consent")
    needs = []
    for code in filter(None, (c.strip() for c in row.get("needs", "").split(";"))):
        if code not in needs_by_code:
            fail(
                "needs",
                f"'{code}' is not a reason for referral ({', '.join(sorted(needs_by_code))})",
            )
        else:
            needs.append(needs_by_code[code])
    sex = row.get("sex", "").lower()
    if sex and sex not in Sex.values:
        fail("sex", f"must be empty or one of {', '.join(Sex.values)}")
    ethnicity = row.get("ethnicity", "").upper()
    if ethnicity and ethnicity not in EthnicCategory.values:
        fail("ethnicity", "must be empty or an NHS ethnic category code (A to S, or Z)")
    if len(row.get("context", "")) > 4000:
        fail("context", "must be at most 4,000 characters")
    if found:
        return None, found
    person = PersonDetails(
        nhs_number=nhs,
        given_name=row["given_name"][:100],
        family_name=row["family_name"][:100],
        date_of_birth=born,
        postcode=postcode,
        phone=phone,
        email=email,
        preferred_contact=preferred,
        texts_allowed=flags["texts_allowed"],
        emails_allowed=flags["emails_allowed"],
        sex=sex,
        ethnicity=ethnicity,
    )
    return Row(line, person, needs, row.get("context", "")), []


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def needs_by_code() -> dict:
    return {n.code: n for n in Need.objects.filter(active=True)}
