"""Ranking of search and category results (docs/storefront.md). Pure: no Django, no database.

score = Σ weight × factor, every factor normalised to 0..1, minus the penalties. ``explain`` returns the
per-factor rows the console and the docs show. With personalisation off (E-Commerce Law Art. 18: the
buyer switched it off, or nobody is signed in) the personal factor is not computed at all, so two buyers
with different histories get the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WEIGHTS: dict[str, float] = {
    "relevance": 0.40,
    "sales_velocity": 0.20,
    "conversion": 0.10,
    "review_score": 0.15,
    "quality_score": 0.15,
    # only with personalisation on
    "affinity": 0.10,
}
PENALTIES: dict[str, float] = {
    "compliance_findings": 0.10,  # per open finding, at most 3 counted
    "refund_rate": 0.50,  # times the share of refunded orders
}
# what a buyer reads for each factor (the ranking explanation on the result list)
FACTOR_LABELS: dict[str, str] = {
    "relevance": "与搜索词的相关度",
    "sales_velocity": "近期销量",
    "conversion": "下单转化率",
    "review_score": "评价得分",
    "quality_score": "商品信息质量分",
    "affinity": "与你的购买记录相关（个性化）",
    "compliance_findings": "合规问题扣分",
    "refund_rate": "退款率扣分",
}
# 30-day units at which sales velocity counts as full (log scale below it)
SALES_FULL = 1000
# the last 7 days' units count as this many 30-day units per unit (their daily rate times 30)
WEEK_TO_MONTH = 30 / 7
# reviews needed before the mean rating counts fully (fewer reviews pull it towards neutral 3.0)
REVIEWS_FULL = 20


@dataclass(frozen=True, slots=True)
class RankInput:
    product_id: int
    relevance: float  # 0..1, how well the text matches the query (1.0 without a query)
    sales_units_30d: int = 0  # units in paid orders of the last 30 days
    sales_units_7d: int = 0  # of those, in the last 7 days
    conversion: float = 0.0  # orders / product-page visits, 0..1
    review_mean: float | None = None  # 1..5
    review_count: int = 0
    quality_score: int = 0  # 0..100 (the listing quality score)
    compliance_findings: int = 0
    refund_rate: float = 0.0  # 0..1
    affinity: float = 0.0  # 0..1, the buyer's interest in the category (personal; ignored when off)


@dataclass(frozen=True, slots=True)
class FactorRow:
    factor: str
    value: float
    weight: float
    contribution: float

    @property
    def label(self) -> str:
        return FACTOR_LABELS[self.factor]


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


def monthly_units(item: RankInput) -> float:
    """Sales velocity as 30-day units: the mean of the last 30 days' units and the last 7 days' units at
    their daily rate times 30 (a product selling now outranks one that sold the same a month ago)."""
    return (max(item.sales_units_7d, 0) * WEEK_TO_MONTH + max(item.sales_units_30d, 0)) / 2


def factors(item: RankInput, *, personalised: bool) -> dict[str, float]:
    """The normalised factors (0..1) of one product; ``affinity`` only when personalised."""
    sales = _clip(math.log1p(monthly_units(item)) / math.log1p(SALES_FULL))
    if item.review_mean is None or item.review_count <= 0:
        review = 0.5
    else:
        weight = min(item.review_count, REVIEWS_FULL) / REVIEWS_FULL
        review = _clip(((item.review_mean - 1) / 4) * weight + 0.5 * (1 - weight))
    out = {
        "relevance": _clip(item.relevance),
        "sales_velocity": sales,
        "conversion": _clip(item.conversion),
        "review_score": review,
        "quality_score": _clip(item.quality_score / 100),
    }
    if personalised:
        out["affinity"] = _clip(item.affinity)
    return out


def explain(item: RankInput, *, personalised: bool) -> list[FactorRow]:
    """Per-factor rows (factor, normalised value, weight, contribution); penalties have negative weights."""
    rows = [
        FactorRow(name, round(value, 4), WEIGHTS[name], round(WEIGHTS[name] * value, 4))
        for name, value in factors(item, personalised=personalised).items()
    ]
    findings = min(max(item.compliance_findings, 0), 3)
    rows.append(
        FactorRow(
            "compliance_findings",
            float(findings),
            -PENALTIES["compliance_findings"],
            round(-PENALTIES["compliance_findings"] * findings, 4),
        )
    )
    refund = _clip(item.refund_rate)
    rows.append(
        FactorRow(
            "refund_rate",
            round(refund, 4),
            -PENALTIES["refund_rate"],
            round(-PENALTIES["refund_rate"] * refund, 4),
        )
    )
    return rows


def score(item: RankInput, *, personalised: bool) -> float:
    return round(sum(row.contribution for row in explain(item, personalised=personalised)), 4)


def rank(items: list[RankInput], *, personalised: bool) -> list[int]:
    """Product ids best first; ties by product id (stable, the same for everyone)."""
    return [
        item.product_id
        for item in sorted(items, key=lambda i: (-score(i, personalised=personalised), i.product_id))
    ]
