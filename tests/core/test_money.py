from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallops.core.money import Money, apportion, format_fen, parse_yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (5, "¥0.05"), (123456, "¥1,234.56"), (-100, "-¥1.00"), (10**10, "¥100,000,000.00")],
)
def test_format_fen(fen, text):
    assert format_fen(fen) == text
    assert str(Money(fen)) == text


def test_parse_yuan_round_trips_and_rejects_garbage():
    assert parse_yuan("¥1,234.5") == 123450
    assert parse_yuan("0.07") == 7
    for bad in ["1.234", "abc", "1.x"]:
        with pytest.raises(ValueError):
            parse_yuan(bad)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(total=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**7), min_size=1, max_size=30))
def test_apportion_is_exact_and_proportional(total, weights):
    if sum(weights) == 0:
        return
    parts = apportion(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / sum(weights)
        assert part >= 0
        assert abs(part - exact) < 1 + 1e-9


def test_apportion_gives_leftover_to_largest_remainder_then_first():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(1, [2, 3]) == [0, 1]
