"""The USCC check (GB 32100-2015) against an independent oracle and real published codes."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallops.accounts import uscc

# the code set written out from the standard's table (not derived from the module under test)
CODE_SET = [c for c in string.digits + string.ascii_uppercase if c not in "IOZSV"]


def oracle_valid(code: str) -> bool:
    """Slow and obvious: weights computed as 3**i mod 31, values by position in the table."""
    if len(code) != 18 or any(c not in CODE_SET for c in code):
        return False
    total = 0
    for i in range(17):
        total += CODE_SET.index(code[i]) * (3**i % 31)
    check = 31 - total % 31
    if check == 31:
        check = 0
    return CODE_SET[check] == code[17]


# registered codes as printed on public business licences
KNOWN_VALID = [
    "91350100M000100Y43",  # the example in GB 32100-2015's explanatory material
    "91330100716105852F",
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
]

code_set_char = st.sampled_from(CODE_SET)
body = st.text(alphabet=code_set_char, min_size=17, max_size=17)


def test_weights_are_powers_of_three_mod_31():
    assert list(uscc.WEIGHTS) == [3**i % 31 for i in range(17)]
    assert "".join(CODE_SET) == uscc.ALPHABET


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert uscc.problem(code) is None
    assert oracle_valid(code)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("", "length"),
        ("91350100M000100I43", "charset"),  # I is not in the code set
        ("9135010OM000100Y43", "charset"),  # O neither
        ("91350100m000100Y43", "charset"),  # lower case only after normalise()
        ("９1350100M000100Y43", "charset"),  # a full-width digit
    ],
)
def test_invalid_codes_name_their_problem(code, problem):
    assert uscc.problem(code) == problem


def test_normalise_upper_cases_and_strips():
    assert uscc.normalise("  91350100m000100y43 ") == "91350100M000100Y43"


@given(body)
def test_the_computed_check_character_makes_a_valid_code(prefix):
    code = prefix + uscc.check_character(prefix)
    assert uscc.is_valid(code)
    assert oracle_valid(code)


@given(body, code_set_char)
def test_agrees_with_the_oracle_on_any_code_set_string(prefix, last):
    assert uscc.is_valid(prefix + last) == oracle_valid(prefix + last)


@given(body, st.integers(min_value=0, max_value=16), code_set_char)
def test_a_single_changed_character_is_caught(prefix, position, replacement):
    code = prefix + uscc.check_character(prefix)
    changed = code[:position] + replacement + code[position + 1 :]
    assert uscc.is_valid(changed) == (changed == code)


@given(st.text(max_size=20))
def test_agrees_with_the_oracle_on_arbitrary_text(text):
    assert uscc.is_valid(text) == oracle_valid(text)
