"""``POST /api/v1/pricing/quote``: price one scenario exactly as ``mallops pricing quote`` does."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from mallops.core.errors import validation_error
from mallops.core.jsonpath import problems_to_errors
from mallops.pricing.engine import ScenarioError, parse_scenario, quote, quote_to_json

router = Router(tags=["pricing"])


@router.post(
    "/quote",
    response=dict[str, Any],
    auth=None,
    summary="Quote a cart scenario: best combination of promotions and coupons, apportioned to lines",
    description=(
        "Takes and returns the shapes of the pricing contract (docs/pricing.md). Invalid scenarios answer "
        "422 problem+json with one error per problem and its JSON path. Stateless: no sign-in needed."
    ),
)
def quote_scenario(request: HttpRequest, payload: Body[Any]) -> dict[str, Any]:
    try:
        scenario = parse_scenario(payload)
    except ScenarioError as exc:
        raise validation_error(problems_to_errors(exc.problems)) from exc
    return quote_to_json(quote(scenario))
