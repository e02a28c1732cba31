"""Risk's early-warning metrics read other apps' rows only through counts those apps register (ADR 0006)."""

from __future__ import annotations

import pytest

from mallops.risk import metrics


def test_every_count_is_registered_by_its_owner() -> None:
    assert metrics.registered_counts() == frozenset(metrics.COUNTS)


def test_an_unknown_count_is_refused() -> None:
    with pytest.raises(ValueError):
        metrics.register_count("orders_cancelled", lambda since, until: 0)
