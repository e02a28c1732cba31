"""``{% load review_decision %}{% review_decision_context listing version %}``: the merchant, images, SKUs
with prices, attributes and certificates a reviewer reads beside the findings (``review.decision``)."""

from __future__ import annotations

from typing import Any

from django import template

from mallops.review.decision import decision_context

register = template.Library()


@register.inclusion_tag("review/_decision_context.html", takes_context=True)
def review_decision_context(context: template.Context, listing: Any, version: Any = None) -> dict[str, Any]:
    """``version``: the version being decided (the pending one), else the listing's latest."""
    if version is None:
        from mallops.review.selectors import latest_version

        version = latest_version(listing)
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if listing is None or viewer is None:
        return {"decision": None}
    snapshot = version.snapshot if version is not None else None
    return {"decision": decision_context(listing, snapshot, viewer=viewer)}
