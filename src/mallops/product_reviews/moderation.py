"""The checks every text passes before it is stored: the compliance engine for all texts, the risk engine
for buyer reviews. ``block`` findings refuse (422 ``compliance_blocked`` with the findings; 403
``risk_blocked``); ``review`` findings store the text as ``pending`` for content operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mallops.compliance.engine import check_text
from mallops.core.errors import DomainError, FieldError
from mallops.orders.models import Order
from mallops.orders.risk_checks import risk_order_ref
from mallops.product_reviews.errors import ProductReviewsCode
from mallops.product_reviews.models import Visibility
from mallops.risk import flows as risk_flows
from mallops.risk.contracts import NO_CONTEXT, Decision, RiskContext


@dataclass(frozen=True)
class Screened:
    """What the checks decided for one text: its first visibility and the findings behind it."""

    status: str
    findings: list[dict[str, Any]]


def text_findings(text: str) -> list[dict[str, Any]]:
    """The compliance engine's findings on ``text`` (read as a description), as stored on the row."""
    return [
        {
            "source": "compliance",
            "rule": hit.rule,
            "start": hit.start,
            "end": hit.end,
            "text": hit.text,
            "basis": hit.basis,
            "severity": str(hit.severity),
        }
        for hit in check_text("description", text)
    ]


def screen_text(text: str, *, field: str = "text") -> Screened:
    """Raise ``compliance_blocked`` (422, the findings in ``findings`` and each blocking span at
    ``body.<field>``) when a finding blocks; otherwise ``pending`` with review findings, else ``visible``."""
    findings = text_findings(text)
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise DomainError(
            detail="The text breaks content rules and cannot be published.",
            code=ProductReviewsCode.COMPLIANCE_BLOCKED,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(("body", field), f"{f['text']}: {f['basis']}", "compliance_blocked")
                for f in blocking
            ],
            extra={"findings": findings},
        )
    status = Visibility.PENDING if findings else Visibility.VISIBLE
    return Screened(str(status), findings)


def review_risk(
    *, order: Order, rating: int, text: str, context: RiskContext = NO_CONTEXT
) -> tuple[str, list[dict[str, Any]]]:
    """Assess a buyer's review with the risk engine (commits on its own, before the review's transaction);
    ``risk_blocked`` (403) for a block, else the verdict and its reasons as findings."""
    decision: Decision = risk_flows.review_assess(
        buyer_id=order.buyer_id,
        order=risk_order_ref(order),
        merchant_id=order.merchant_id,
        rating=rating,
        text=text,
        context=context,
    )
    reasons = [
        {"source": "risk", "rule": str(r.rule), "severity": str(r.verdict), "text": "", "basis": r.detail}
        for r in decision.reasons
    ]
    return str(decision.verdict), reasons
