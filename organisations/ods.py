"""Reading NHS ODS files: GP practices (`epraccur`) and PCN membership
(`epcncorepartnerdetails`, the "PCN Core Partner Details" of the ePCN file).

Both are published without a header row (ODS Data Search and Export, "predefined reports").
This module only reads and checks: every problem is collected with its line and column, so
that the administrator fixes the file once; `organisations.actions.import_ods_practices`
writes nothing unless there are none. Rows for other ICBs, and prescribing cost centres that
are not GP practices (out-of-hours services, walk-in centres…), are skipped, not refused: the
national file is meant to be used as downloaded.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError

from core import csv_safe
from referrals.validators import normalise_postcode

# The epraccur layout, column by column (1-based in messages).
EPRACCUR_COLUMNS = [
    "organisation_code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "postcode",
    "open_date",
    "close_date",
    "status_code",
    "organisation_sub_type_code",
    "commissioner",
    "join_provider_purchaser_date",
    "left_provider_purchaser_date",
    "contact_telephone_number",
    "null_19",
    "null_20",
    "null_21",
    "amended_record_indicator",
    "null_23",
    "provider_purchaser",
    "null_25",
    "prescribing_setting",
    "null_27",
]
# The PCN Core Partner Details layout.
EPCN_COLUMNS = [
    "partner_organisation_code",
    "partner_name",
    "practice_sub_icb_code",
    "practice_sub_icb_name",
    "pcn_code",
    "pcn_name",
    "pcn_sub_icb_code",
    "pcn_sub_icb_name",
    "start_date",
    "end_date",
    "sub_icb_match",
]
EPCN_HEADER_FIRST_CELL = "partner organisation code"

GP_PRACTICE_SETTING = "4"
STATUSES = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}
PRACTICE_CODE = re.compile(r"[A-Z][0-9]{5}")
PCN_CODE = re.compile(r"U[0-9]{5}")
# England's epraccur has about 13,000 rows (12 MB at most leaves room to grow).
MAX_ROWS = 60_000
MAX_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    line: int
    column: str  # "3 (national grouping)", or "" for the whole row
    message: str


@dataclass
class PracticeRow:
    line: int
    code: str
    name: str
    address: str
    postcode: str
    phone: str
    status: str
    closed_on: date | None

    @property
    def active(self) -> bool:
        return self.status in ("A", "P")


@dataclass
class Membership:
    line: int
    practice_code: str
    pcn_code: str
    pcn_name: str
    start: date
    end: date | None


@dataclass
class Parsed:
    practices: list[PracticeRow] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # other areas' rows, and prescribing settings that are not practices


def column(layout: list[str], name: str) -> str:
    number = layout.index(name) + 1
    return f"{number} ({name.replace('_', ' ')})"


def read_practices(text: str, *, area_codes: set[str], parsed: Parsed | None = None) -> Parsed:
    """The area's GP practices in an epraccur file: a row is the area's when its
    commissioner (column 15) or its ICB (column 4) is one of `area_codes`."""
    parsed = parsed or Parsed()
    seen: dict[str, int] = {}
    for line, row in _rows(text, EPRACCUR_COLUMNS, parsed, "epraccur"):
        commissioner = row["commissioner"].strip().upper()
        icb = row["high_level_health_geography"].strip().upper()
        if commissioner not in area_codes and icb not in area_codes:
            parsed.skipped += 1
            continue
        if row["prescribing_setting"].strip() != GP_PRACTICE_SETTING:
            parsed.skipped += 1
            continue
        problems = []

        def problem(name, message, problems=problems, line=line):
            problems.append(Problem(line, column(EPRACCUR_COLUMNS, name), message))

        code = row["organisation_code"].strip().upper()
        if not PRACTICE_CODE.fullmatch(code):
            problem(
                "organisation_code",
                f"'{code}' is not a GP practice code (a letter and 5 digits, like A81001)",
            )
        elif code in seen:
            problem("organisation_code", f"{code} is also on line {seen[code]}")
        else:
            seen[code] = line
        name = " ".join(row["name"].split())
        if not name:
            problem("name", "The practice has no name")
        try:
            postcode = normalise_postcode(row["postcode"])
        except ValidationError:
            problem("postcode", f"'{row['postcode'].strip()}' is not a full UK postcode")
            postcode = ""
        status = row["status_code"].strip().upper()
        if status not in STATUSES:
            problem("status_code", f"'{status}' is not a status code (A, C, D or P)")
        _date(row, "open_date", required=True, problem=problem)
        closed_on = _date(row, "close_date", required=status == "C", problem=problem)
        if problems:
            parsed.problems.extend(problems)
            continue
        address = ", ".join(
            part
            for part in (" ".join(row[f"address_line_{n}"].split()) for n in range(1, 6))
            if part
        )
        parsed.practices.append(
            PracticeRow(
                line=line,
                code=code,
                name=name,
                address=address,
                postcode=postcode,
                phone=" ".join(row["contact_telephone_number"].split())[:30],
                status=status,
                closed_on=closed_on if status == "C" else None,
            )
        )
    return parsed


def read_memberships(text: str, *, parsed: Parsed) -> Parsed:
    """Every practice-to-PCN relationship in a PCN Core Partner Details file (a header row,
    if someone saved the file from the spreadsheet with one, is passed over)."""
    for line, row in _rows(text, EPCN_COLUMNS, parsed, "PCN membership"):
        if line == 1 and row["partner_organisation_code"].strip().lower() == (
            EPCN_HEADER_FIRST_CELL
        ):
            continue
        problems = []

        def problem(name, message, problems=problems, line=line):
            problems.append(Problem(line, "PCN file " + column(EPCN_COLUMNS, name), message))

        practice = row["partner_organisation_code"].strip().upper()
        if not PRACTICE_CODE.fullmatch(practice):
            # Partners can be other kinds of organisation; only practices are kept.
            parsed.skipped += 1
            continue
        pcn = row["pcn_code"].strip().upper()
        if not PCN_CODE.fullmatch(pcn):
            problem("pcn_code", f"'{pcn}' is not a PCN code (U and 5 digits, like U12345)")
        start = _date(row, "start_date", required=True, problem=problem)
        end = _date(row, "end_date", required=False, problem=problem)
        if start and end and end < start:
            problem("end_date", "The relationship ends before it starts")
        if problems:
            parsed.problems.extend(problems)
            continue
        parsed.memberships.append(
            Membership(
                line=line,
                practice_code=practice,
                pcn_code=pcn,
                pcn_name=" ".join(row["pcn_name"].split()),
                start=start,
                end=end,
            )
        )
    return parsed


def _rows(text: str, layout: list[str], parsed: Parsed, what: str):
    """(line, row) for each well-formed row; a row with the wrong number of columns, or a
    file that is not CSV, is a problem."""
    reader = csv_safe.dict_reader(text, max_rows=MAX_ROWS, fieldnames=layout, restkey="_extra")
    prefix = "" if what == "epraccur" else "PCN file: "
    try:
        for row in reader:
            line = reader.line_num
            if not any((v or "").strip() for k, v in row.items() if k != "_extra"):
                continue  # a blank line
            count = sum(1 for k in layout if row.get(k) is not None) + len(row.get("_extra", []))
            if count != len(layout):
                parsed.problems.append(
                    Problem(
                        line,
                        "",
                        f"{prefix}Line {line} has {count} columns: the {what} layout has "
                        f"{len(layout)}",
                    )
                )
                continue
            yield line, row
    except csv_safe.CsvRefused as refused:
        parsed.problems.append(Problem(refused.line, "", prefix + refused.message))


def _date(row, name, *, required, problem) -> date | None:
    value = row[name].strip()
    if not value:
        if required:
            problem(name, "The date is missing (YYYYMMDD)")
        return None
    try:
        if not re.fullmatch(r"[0-9]{8}", value):
            raise ValueError
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        problem(name, f"'{value}' is not a date in the form YYYYMMDD")
        return None
