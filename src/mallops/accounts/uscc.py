"""The unified social credit code (统一社会信用代码, GB 32100-2015): format and check character.

Pure Python (no Django), so the check is cheap to property-test. A code is 18 characters from the code set
``0-9`` and ``A-Z`` without ``I``, ``O``, ``Z``, ``S`` and ``V`` (31 characters, valued 0..30 in that order);
the 18th character is the check character of the first 17: with weights ``3**i mod 31`` the check value is
``31 - (sum of value x weight) mod 31``, and 31 is written ``0``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: value for value, char in enumerate(ALPHABET)}


def normalise(raw: str) -> str:
    """What the person meant: surrounding blanks dropped, letters upper-cased (the form shows capitals)."""
    return (raw or "").strip().upper()


def check_character(body: str) -> str:
    """The check character of the first 17 characters (which must come from the code set)."""
    if len(body) != LENGTH - 1 or any(char not in _VALUE for char in body):
        raise ValueError("the body is 17 characters of the code set")
    total = sum(_VALUE[char] * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None when ``code`` (already normalised) is a valid USCC, else why not: ``length``, ``charset`` or
    ``check``."""
    if len(code) != LENGTH:
        return "length"
    if any(char not in _VALUE for char in code):
        return "charset"
    if check_character(code[:-1]) != code[-1]:
        return "check"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
