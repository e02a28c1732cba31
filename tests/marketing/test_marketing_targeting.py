"""The pure campaign results and holdout (R4.2.1): a hand-computed case and an oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.marketing.targeting import OrderFact, in_holdout, results

T0 = datetime(2026, 12, 1, tzinfo=UTC)
END = T0 + timedelta(days=7)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.mark.req("R4.2.1")
def test_results_match_a_hand_computed_case() -> None:
    # treated 1-4 (reached), holdout 5-6; orders: buyer 1 twice, buyer 2 once, buyer 5 once, buyer 3 before
    # the start and buyer 4 after the end (neither counts), buyer 9 is in neither group
    orders = [
        OrderFact(1, at(1), 20_000, 1_000),
        OrderFact(1, at(2), 10_000, 0),
        OrderFact(2, at(3), 15_000, 3_000),
        OrderFact(5, at(1), 8_000, 0),
        OrderFact(3, at(-1), 99_900, 0),
        OrderFact(4, at(7), 50_000, 0),
        OrderFact(9, at(1), 70_000, 0),
    ]
    got = results(
        treated=[1, 2, 3, 4], holdout=[5, 6], orders=orders, start=T0, end=END, message_cost_fen=500
    )
    # GMV 200 + 100 + 150 元 = 45,000 fen; cost = discounts 1,000 + 3,000 + 4 messages × 500 = 6,000 fen
    assert (got.reach, got.conversions, got.orders, got.gmv_fen, got.cost_fen) == (4, 2, 3, 45_000, 6_000)
    assert got.roi == Fraction(39_000, 6_000) == Fraction(13, 2)  # 650 %
    assert got.conversion_rate == Fraction(1, 2)
    assert (got.holdout_size, got.holdout_conversions, got.holdout_conversion_rate) == (2, 1, Fraction(1, 2))
    assert got.uplift == 0


def test_no_cost_no_roi_and_empty_holdout_no_uplift() -> None:
    got = results(treated=[1], holdout=[], orders=[OrderFact(1, at(1), 100, 0)], start=T0, end=END)
    assert (got.roi, got.holdout_conversion_rate, got.uplift) == (None, None, None)
    assert got.conversion_rate == Fraction(1)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 8), st.integers(-2, 9), st.integers(0, 10_000)), max_size=20),
    st.sets(st.integers(1, 8)),
)
def test_results_against_an_oracle(rows: list[tuple[int, int, int]], treated: set[int]) -> None:
    holdout = set(range(1, 9)) - treated
    orders = [OrderFact(b, at(d), fen, fen // 10) for b, d, fen in rows]
    got = results(treated=treated, holdout=holdout, orders=orders, start=T0, end=END)
    counted = [(b, fen) for b, d, fen in rows if 0 <= d < 7 and b in treated]
    assert got.gmv_fen == sum(fen for _, fen in counted)
    assert got.cost_fen == sum(fen // 10 for _, fen in counted)
    assert got.conversions == len({b for b, _ in counted})
    assert got.holdout_conversions == len({b for b, d, _ in rows if 0 <= d < 7 and b in holdout})


def test_holdout_share_is_close_to_the_setting_and_stable() -> None:
    held = [b for b in range(1, 10_001) if in_holdout(scope="campaign", scope_id=7, buyer_id=b, percent=10)]
    assert 900 <= len(held) <= 1100
    assert held == [
        b for b in range(1, 10_001) if in_holdout(scope="campaign", scope_id=7, buyer_id=b, percent=10)
    ]
    assert not any(in_holdout(scope="campaign", scope_id=7, buyer_id=b, percent=0) for b in range(1, 500))
