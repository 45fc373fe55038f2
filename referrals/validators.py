"""Parsing and checking what people type: NHS numbers, postcodes, dates of birth.

Each function returns the normalised value or raises ValidationError with a message that
names the rule, so the form can show it next to the field.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError

NHS_NUMBER_WEIGHTS = range(10, 1, -1)

# The UK postcode format, GOV.UK's pattern: outward code (area, district) + inward code.
POSTCODE_RE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ][0-9]{1,2}[0-9A-HJKPSTUW]?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}[0-9ABEHMNPRV-Y]?[0-9][ABD-HJLNP-UW-Z]{2})$"
)

OLDEST_AGE_YEARS = 120


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits; None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 10:
        raise ValidationError(
            "Enter the NHS number as 10 digits, for example 485 777 3456", code="format"
        )
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "This is not a valid NHS number: check the digits (the last digit does not match)",
            code="check_digit",
        )
    return digits


def format_nhs_number(value: str) -> str:
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 10 else value


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if not POSTCODE_RE.match(compact):
        raise ValidationError("Enter a full UK postcode, for example NN1 1AA", code="format")
    return f"{compact[:-3]} {compact[-3:]}"


def check_date_of_birth(value: date, *, today: date) -> date:
    if value > today:
        raise ValidationError("Date of birth must be today or in the past", code="future")
    try:
        oldest = today.replace(year=today.year - OLDEST_AGE_YEARS)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - OLDEST_AGE_YEARS, day=28)
    if value < oldest:
        raise ValidationError(
            f"Date of birth must be within the last {OLDEST_AGE_YEARS} years", code="too_old"
        )
    return value


def normalise_uk_phone(value: str) -> str:
    compact = re.sub(r"[\s()-]", "", value or "")
    if compact.startswith("+44"):
        compact = "0" + compact[3:]
    elif compact.startswith("0044"):
        compact = "0" + compact[4:]
    if not re.fullmatch(r"0[1-9][0-9]{8,9}", compact):
        raise ValidationError(
            "Enter a UK phone number, like 01604 123456 or 07700 900982", code="format"
        )
    return compact
