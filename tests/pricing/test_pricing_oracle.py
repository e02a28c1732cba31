"""The engine against the brute-force oracle (tests/pricing/pricing_oracle.py) on generated carts."""

from __future__ import annotations

from typing import Any

import pricing_oracle as oracle
import pytest
from hypothesis import HealthCheck, given, settings
from pricing_strategies import coupled_scenario, scenario

from mallops.pricing.engine import parse_scenario, quote, quote_to_json


def _check(data: dict[str, Any]) -> None:
    result = quote_to_json(quote(parse_scenario(data)))
    # The total is the brute-force optimum.
    assert result["total"] == oracle.best_total(data)
    # The chosen combination, replayed literally, gives exactly the quoted shares.
    chosen = {a["id"] for a in result["applied"] if a["step"] >= 2}
    replayed = oracle.replay(data, chosen)
    line_ids = [ln["id"] for ln in data["lines"]]
    expected = [
        {"id": a["id"], "step": a["step"], "lines": {line_ids[i]: s for i, s in sorted(a["shares"].items())}}
        for a in sorted(replayed["applied"], key=lambda a: (a["step"], _listed(data, a["id"])))
    ]
    assert [{"id": a["id"], "step": a["step"], "lines": a["lines"]} for a in result["applied"]] == expected
    assert [ln["paid"] for ln in result["lines"]] == replayed["amounts"]
    _invariants(result)


def _listed(data: dict[str, Any], offer_id: str) -> int:
    ids = [p["id"] for p in data["promotions"]] + [c["id"] for c in data["coupons"]]
    return ids.index(offer_id)


def _invariants(result: dict[str, Any]) -> None:
    assert result["total"] == result["subtotal"] - result["discount"]
    assert result["discount"] == sum(a["amount"] for a in result["applied"])
    for a in result["applied"]:
        assert a["amount"] > 0
        assert sum(a["lines"].values()) == a["amount"]
        assert all(s > 0 for s in a["lines"].values())
    assert sum(ln["paid"] for ln in result["lines"]) == result["total"]
    assert all(0 <= ln["paid"] <= ln["amount"] for ln in result["lines"])
    assert sum(ln["amount"] for ln in result["lines"]) == result["subtotal"]
    steps = [(a["step"]) for a in result["applied"]]
    assert steps == sorted(steps)


@pytest.mark.req("R2.3.5")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_engine_agrees_with_brute_force_oracle(data: dict[str, Any]) -> None:
    _check(data)


@pytest.mark.req("R2.3.5")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(max_lines=6, max_promotions=8, max_coupons=5))
def test_engine_agrees_with_oracle_on_busier_carts(data: dict[str, Any]) -> None:
    _check(data)


@pytest.mark.req("R2.3.5")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coupled_scenario())
def test_engine_agrees_with_oracle_where_choices_trade_off(data: dict[str, Any]) -> None:
    _check(data)
