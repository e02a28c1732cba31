"""What the console shows for storefront codes (read by ``mallops.core.words``): the ranking factors of
搜索排序解释 (the buyer-facing Chinese names stay in ``ranking.FACTOR_LABELS``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

FACTOR = {
    "relevance": _("Relevance to the query"),
    "sales_velocity": _("Sales velocity (30 days)"),
    "conversion": _("Conversion (30 days)"),
    "review_score": _("Review score"),
    "quality_score": _("Listing quality score"),
    "affinity": _("Bought in this category (personal)"),
    "compliance_findings": _("Penalty: open compliance findings"),
    "refund_rate": _("Penalty: refund rate (30 days)"),
}

LABELS: dict[str, Any] = {"factor": FACTOR}
