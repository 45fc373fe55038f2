"""A feed's access text is read as step-free only when it says so and never says the opposite."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.importers import says_step_free


@pytest.mark.parametrize(
    "text",
    [
        "Step-free access",
        "step free throughout, accessible toilet",
        "Wheelchair accessible via the side door",
        "Level access from the car park",
    ],
)
def test_says_step_free(text):
    assert says_step_free(text)


@pytest.mark.parametrize(
    "text",
    [
        "No wheelchair access",
        "Not step-free: the hall is up a flight of stairs",
        "Sorry, not wheelchair accessible",
        "Without level access (three steps at the door)",
        "The building isn't step free",
        "Stairs only",
        "Ask about access",
        "",
    ],
)
def test_says_it_is_not(text):
    assert not says_step_free(text)


@given(st.text())
def test_any_text_is_read_without_error(text):
    assert says_step_free(text) in (True, False)
