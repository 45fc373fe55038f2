"""NCSC password guidance: length over complexity, no composition rules, the common-password
check kept, nothing from the person's own name or email address, long passphrases welcome.

Which test proves which requirement (issue 14, "NCSC password guidance"):
- long passphrase accepted: test_a_long_passphrase_is_accepted
- common refused: test_a_common_password_is_refused
- the person's name refused: test_a_password_containing_the_persons_name_is_refused
- no composition rules: test_no_rules_about_kinds_of_character
"""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User


def person(full_name="Gita Rao", email="g.rao@example.nhs.uk"):
    return User(full_name=full_name, email=email)


def problems(password, user=None) -> list[str]:
    try:
        validate_password(password, user or person())
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


def test_a_long_passphrase_is_accepted():
    passphrase = "the heron waits by the weir while the kettle sings in the boathouse " * 2
    assert len(passphrase) > 100
    assert problems(passphrase) == []
    assert problems("x" * 12 + " marmalade sky" + "q" * 170) == []  # 196 characters


def test_a_very_long_password_is_refused():
    assert "password_too_long" in problems("marmalade " * 21)  # 210 characters


def test_a_short_password_is_refused():
    assert "password_too_short" in problems("heron weir")


def test_a_common_password_is_refused():
    assert "password_too_common" in problems("password1234")
    assert "password_too_common" in problems("QWERTYUIOP[]")


@pytest.mark.parametrize(
    "password",
    [
        "gita walks to the allotment",
        "my name is GITA and I like tea",
        "allotment tea with rao friday",  # a short surname, as a word
        "gitarao2026!allotment",
        "g.rao is the best allotment keeper",
    ],
)
def test_a_password_containing_the_persons_name_is_refused(password):
    assert "password_personal" in problems(password)


def test_a_short_name_inside_another_word_is_not_refused():
    # "rao" is in "paraolympic..." only by chance: refusing it would refuse too much.
    assert problems("paraolympics at the lido") == []


def test_the_email_address_name_is_refused():
    user = person(full_name="Gita Rao", email="keeper.allotment@example.nhs.uk")
    assert "password_personal" in problems("the allotment keeper sings", user)


@pytest.mark.parametrize(
    "password",
    [
        "all lower case words here",
        "402958173649",  # digits only: no rule against it (it is not a common password)
        "NOCAPITALRULES",
        "no symbols needed at all",
    ],
)
def test_no_rules_about_kinds_of_character(password):
    assert problems(password) == []
