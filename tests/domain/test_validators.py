from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from referrals.validators import (
    check_date_of_birth,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def with_check(first_nine):
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    return first_nine + str(check)


@given(nine_digits)
def test_nhs_number_with_computed_check_digit_is_valid(first_nine):
    number = with_check(first_nine)
    assert normalise_nhs_number(number) == number
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert normalise_nhs_number(spaced) == number
    assert normalise_nhs_number(f" {number[:3]}-{number[3:6]}-{number[6:]} ") == number


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_nhs_number_single_digit_error_detected(first_nine, position, shift):
    number = with_check(first_nine)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        normalise_nhs_number(changed)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_nhs_number_remainder_ten_never_valid(first_eight):
    # The ninth digit has weight 2, so one of the ten choices nearly always leaves remainder 1.
    nines = [
        first_eight + d for d in "0123456789" if nhs_number_check_digit(first_eight + d) is None
    ]
    assume(nines)
    first_nine = nines[0]
    for last in "0123456789":
        with pytest.raises(ValidationError):
            normalise_nhs_number(first_nine + last)


def test_nhs_number_known_examples():
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    with pytest.raises(ValidationError) as error:
        normalise_nhs_number("9434765918")
    assert error.value.code == "check_digit"


@pytest.mark.parametrize("value", ["", "123456789", "12345678901", "94347659l9", "ABC"])
def test_nhs_number_bad_format(value):
    with pytest.raises(ValidationError) as error:
        normalise_nhs_number(value)
    assert error.value.code == "format"


@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("nn12 6ab", "NN12 6AB"),
        ("NN126AB", "NN12 6AB"),
        (" nn1  1aa ", "NN1 1AA"),
        ("pe8 4bs", "PE8 4BS"),
        ("sw1a1aa", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
    ],
)
def test_postcode_normalised(typed, tidy):
    assert normalise_postcode(typed) == tidy


area = st.sampled_from(["NN", "PE", "SW", "M", "B", "LS", "EC"])
inward_letter = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")


@given(
    area,
    st.integers(1, 29),
    st.integers(0, 9),
    inward_letter,
    inward_letter,
    st.booleans(),
    st.booleans(),
)
def test_postcode_generated_valid_ones_accepted(a, district, sector, l1, l2, lower, spaced):
    code = f"{a}{district}{' ' if spaced else ''}{sector}{l1}{l2}"
    code = code.lower() if lower else code
    assert normalise_postcode(code) == f"{a}{district} {sector}{l1}{l2}"


@pytest.mark.parametrize(
    "value", ["", "NN12", "NN12 6A", "12 6AB", "NN12 6CI", "QQ1 1AA", "NN12 6AB X", "N N 1 2"]
)
def test_postcode_malformed_rejected(value):
    with pytest.raises(ValidationError) as error:
        normalise_postcode(value)
    assert error.value.code == "format"


@given(st.text(max_size=12))
def test_postcode_never_crashes(value):
    try:
        result = normalise_postcode(value)
    except ValidationError:
        return
    assert result == result.upper() and " " in result


TODAY = date(2026, 11, 24)


def test_date_of_birth_rules():
    assert check_date_of_birth(TODAY, today=TODAY) == TODAY
    with pytest.raises(ValidationError, match="today or in the past"):
        check_date_of_birth(TODAY + timedelta(days=1), today=TODAY)
    with pytest.raises(ValidationError, match="120 years"):
        check_date_of_birth(date(1906, 11, 23), today=TODAY)
    assert check_date_of_birth(date(1906, 11, 24), today=TODAY)


def test_date_of_birth_on_29_february():
    assert check_date_of_birth(date(1904, 2, 29), today=date(2024, 2, 29))


@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("07700 900982", "07700900982"),
        ("+44 7700 900982", "07700900982"),
        ("0044 1604 123456", "01604123456"),
        ("(01604) 123-456", "01604123456"),
    ],
)
def test_phone_normalised(typed, tidy):
    assert normalise_uk_phone(typed) == tidy


@pytest.mark.parametrize("value", ["12", "07700", "+1 202 555 0100", "phone me"])
def test_phone_rejected(value):
    with pytest.raises(ValidationError):
        normalise_uk_phone(value)
