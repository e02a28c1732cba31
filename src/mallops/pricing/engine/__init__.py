"""Pure cart-pricing engine (no Django): parse a scenario, quote it, render the quote as JSON.

The semantics are fixed by ``guide/pricing-contract.md``.
"""

from mallops.pricing.engine.model import (
    AppliedDiscount,
    Coupon,
    Kind,
    Layer,
    Line,
    NextThreshold,
    Promotion,
    Quote,
    QuoteLine,
    Scenario,
    Tier,
    quote_to_json,
)
from mallops.pricing.engine.money import apportion
from mallops.pricing.engine.parse import ScenarioError, parse_scenario, parse_time
from mallops.pricing.engine.quoting import is_active, quote

__all__ = [
    "AppliedDiscount",
    "Coupon",
    "Kind",
    "Layer",
    "Line",
    "NextThreshold",
    "Promotion",
    "Quote",
    "QuoteLine",
    "Scenario",
    "ScenarioError",
    "Tier",
    "apportion",
    "is_active",
    "parse_scenario",
    "parse_time",
    "quote",
    "quote_to_json",
]
