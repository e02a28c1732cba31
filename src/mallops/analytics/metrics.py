"""The KPI registry (R3.1.3, R3.4.1): one definition per metric, in this module only.

Every figure on the dashboard, in the API and in reports comes from :data:`METRICS`; each definition is
a function of the period's :class:`~mallops.analytics.facts.Facts`. Period-over-period (R3.4.2) compares
a period with the one of equal length just before it. Money is integer fen (rounded half up where a
ratio gives fen); rates are fractions.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from mallops.analytics.facts import Facts, Row, build_facts, load_rows
from mallops.analytics.selectors import to_us
from mallops.analytics.store.events import SHANGHAI


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _fen_ratio(numerator: int, denominator: int) -> int | None:
    return None if denominator == 0 else (2 * numerator + denominator) // (2 * denominator)


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``p`` % of the values at or below it
    (sorted ascending, the value at rank ``ceil(p * n / 100)``); None for no values. p50 of 1, 2, 3, 4 is 2."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


def _cost_total(facts: Facts) -> int:
    return sum(facts.costs.get(category, 0) for category in COST_CATEGORIES)


def _roi(facts: Facts) -> float | None:
    cost = _cost_total(facts)
    return _ratio(sum(o.amount_fen for o in facts.orders) - cost, cost)


def _repurchase(facts: Facts) -> float | None:
    per_buyer = Counter(order.buyer for order in facts.orders)
    return _ratio(sum(1 for n in per_buyer.values() if n >= 2), len(per_buyer))


COST_CATEGORIES: Final = ("advertising", "logistics", "customer_service")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    label_zh: str
    unit: str  # fen, count, rate, seconds, ms, score
    better: str  # up or down
    compute: Callable[[Facts], float | int | None]
    definition: str


METRICS: Final[tuple[Metric, ...]] = (
    Metric(
        "gmv_fen",
        "GMV",
        "成交额",
        "fen",
        "up",
        lambda f: sum(o.amount_fen for o in f.orders),
        "Sum of amount_fen of the paid orders (first order_paid per order_id) in the period.",
    ),
    Metric(
        "orders",
        "Orders",
        "订单数",
        "count",
        "up",
        lambda f: len(f.orders),
        "Number of distinct paid orders in the period.",
    ),
    Metric(
        "buyers",
        "Paying buyers",
        "支付买家数",
        "count",
        "up",
        lambda f: len({o.buyer for o in f.orders}),
        "Distinct (identity-resolved) buyers with a paid order.",
    ),
    Metric(
        "visitors",
        "Visitors",
        "访客数",
        "count",
        "up",
        lambda f: len(f.visitors),
        "Distinct (identity-resolved) ids with any event in the period.",
    ),
    Metric(
        "conversion_rate",
        "Conversion rate",
        "转化率",
        "rate",
        "up",
        lambda f: _ratio(len({o.buyer for o in f.orders}), len(f.visitors)),
        "Paying buyers / visitors.",
    ),
    Metric(
        "aov_fen",
        "Average order value",
        "客单价",
        "fen",
        "up",
        lambda f: _fen_ratio(sum(o.amount_fen for o in f.orders), len(f.orders)),
        "GMV / orders, rounded half up to the fen.",
    ),
    Metric(
        "repurchase_rate",
        "Repurchase rate",
        "复购率",
        "rate",
        "up",
        _repurchase,
        "Share of paying buyers with two or more paid orders in the period.",
    ),
    Metric(
        "new_users",
        "New users",
        "新增用户",
        "count",
        "up",
        lambda f: len(f.signups),
        "signup events in the period (user growth; see the period-over-period change).",
    ),
    Metric(
        "refund_fen",
        "Refunds",
        "退款金额",
        "fen",
        "down",
        lambda f: sum(r[2] for r in f.refunds),
        "Sum of amount_fen of refund events.",
    ),
    Metric(
        "cs_response_s",
        "CS first response time",
        "客服首响时长",
        "seconds",
        "down",
        lambda f: _mean(f.response_seconds),
        "Mean response_seconds of ticket_first_response events.",
    ),
    Metric(
        "csat",
        "CSAT",
        "客户满意度",
        "score",
        "up",
        lambda f: _mean(f.csat_scores),
        "Mean score (1-5) of csat events.",
    ),
    Metric(
        "review_score",
        "Review score",
        "评价均分",
        "score",
        "up",
        lambda f: _mean(f.review_scores),
        "Mean score (1-5) of review events.",
    ),
    Metric(
        "complaint_rate",
        "Complaint rate",
        "投诉率",
        "rate",
        "down",
        lambda f: _ratio(f.complaints, len(f.orders)),
        "complaint events / paid orders.",
    ),
    Metric(
        "cost_advertising_fen",
        "Advertising cost",
        "广告成本",
        "fen",
        "down",
        lambda f: f.costs.get("advertising", 0),
        "Sum of cost events with category advertising.",
    ),
    Metric(
        "cost_logistics_fen",
        "Logistics cost",
        "物流成本",
        "fen",
        "down",
        lambda f: f.costs.get("logistics", 0),
        "Sum of cost events with category logistics.",
    ),
    Metric(
        "cost_cs_fen",
        "Customer-service cost",
        "客服成本",
        "fen",
        "down",
        lambda f: f.costs.get("customer_service", 0),
        "Sum of cost events with category customer_service.",
    ),
    Metric(
        "cost_per_order_fen",
        "Cost per order",
        "单均成本",
        "fen",
        "down",
        lambda f: _fen_ratio(_cost_total(f), len(f.orders)),
        "(Advertising + logistics + customer-service cost) / paid orders, rounded half up to the fen.",
    ),
    Metric(
        "roi",
        "ROI",
        "投入产出比",
        "rate",
        "up",
        _roi,
        "(GMV - advertising, logistics and customer-service cost) / that cost.",
    ),
    Metric(
        "order_processing_p50_s",
        "Order processing time p50",
        "订单处理时长 P50",
        "seconds",
        "down",
        lambda f: percentile(f.processing_seconds, 50),
        "Median (nearest rank) of paid-to-shipped seconds of the orders shipped in the period.",
    ),
    Metric(
        "order_processing_p90_s",
        "Order processing time p90",
        "订单处理时长 P90",
        "seconds",
        "down",
        lambda f: percentile(f.processing_seconds, 90),
        "90th percentile (nearest rank) of paid-to-shipped seconds of the orders shipped in the period.",
    ),
    Metric(
        "page_load_p50_ms",
        "Page load time p50",
        "页面加载时长 P50",
        "ms",
        "down",
        lambda f: percentile([ms for _page, ms in f.page_loads], 50),
        "Median (nearest rank) of load_ms of page_timing events, all pages.",
    ),
    Metric(
        "page_load_p95_ms",
        "Page load time p95",
        "页面加载时长 P95",
        "ms",
        "down",
        lambda f: percentile([ms for _page, ms in f.page_loads], 95),
        "95th percentile (nearest rank) of load_ms of page_timing events, all pages.",
    ),
)
BY_KEY: Final = {metric.key: metric for metric in METRICS}


def check_range(start: date, end: date, *, max_days: int = 366) -> None:
    """422 unless ``start <= end``, both within 1971-2199 and at most ``max_days`` days."""
    from mallops.core.errors import FieldError, validation_error

    if not date(1971, 1, 1) <= start <= end <= date(2199, 12, 31) or (end - start).days >= max_days:
        raise validation_error(
            [FieldError(("query", "end"), f"start <= end, 1971 to 2199, at most {max_days} days.", "range")]
        )


def period_bounds(start: date, end: date) -> tuple[int, int]:
    """UTC microseconds of ``[start 00:00, end+1 00:00)`` Asia/Shanghai (``end`` inclusive)."""
    return (
        to_us(datetime.combine(start, time(), SHANGHAI)),
        to_us(datetime.combine(end + timedelta(days=1), time(), SHANGHAI)),
    )


def compute(facts: Facts) -> dict[str, float | int | None]:
    return {metric.key: metric.compute(facts) for metric in METRICS}


def change(current: float | int | None, previous: float | int | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


def kpi_report(
    *, start: date, end: date, daily: tuple[str, ...] = ("gmv_fen", "orders", "visitors")
) -> dict[str, Any]:
    """Every KPI for ``start..end`` (inclusive days), the previous period of equal length, the change,
    and daily series of the ``daily`` metrics for charts."""
    check_range(start, end)
    days = (end - start).days + 1
    previous_start = start - timedelta(days=days)
    from_us, to_us_ = period_bounds(previous_start, end)
    rows = load_rows(from_us, to_us_)
    split = period_bounds(start, end)[0]
    now_facts = facts_between(rows, split, to_us_)
    now_values = compute(now_facts)
    before_values = compute(facts_between(rows, from_us, split))
    series: dict[str, list[dict[str, Any]]] = {key: [] for key in daily}
    for offset in range(days):
        day = start + timedelta(days=offset)
        values = compute(facts_between(rows, *period_bounds(day, day)))
        for key in daily:
            series[key].append({"date": day.isoformat(), "value": values[key]})
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "previous_start": previous_start.isoformat(),
        "metrics": [
            {
                "key": metric.key,
                "label": metric.label,
                "label_zh": metric.label_zh,
                "unit": metric.unit,
                "better": metric.better,
                "value": now_values[metric.key],
                "previous": before_values[metric.key],
                "change": change(now_values[metric.key], before_values[metric.key]),
                "definition": metric.definition,
            }
            for metric in METRICS
        ],
        "series": series,
        "page_loads": page_load_table(now_facts),
    }


def page_load_table(facts: Facts) -> list[dict[str, Any]]:
    """Per page (R3.4.1): page_timing events, p50 and p95 load time in ms (nearest rank), by page key."""
    by_page: dict[str, list[float]] = {}
    for page, ms in facts.page_loads:
        by_page.setdefault(page, []).append(ms)
    return [
        {
            "page": page,
            "views": len(values),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
        }
        for page, values in sorted(by_page.items())
    ]


def facts_between(rows: list[Row], from_us: int, to_us_: int) -> Facts:
    """Facts of the rows (in time order) with ``from_us <= ts < to_us_``."""
    low = bisect.bisect_left(rows, from_us, key=lambda row: row[2])
    high = bisect.bisect_left(rows, to_us_, key=lambda row: row[2])
    return build_facts(rows[low:high], from_us, to_us_)


def campaign_report(*, start: date, end: date) -> dict[str, Any]:
    """Per campaign (R1.4.2): participants (``campaign_join``), paid orders tagged with the campaign,
    buyers, conversion of participants, GMV, discount cost and ROI = (GMV - discount cost) / discount cost.
    """
    check_range(start, end)
    facts = build_facts(load_rows(*period_bounds(start, end)), *period_bounds(start, end))
    names = sorted({c for c, _, _ in facts.campaign_joins} | {o.campaign for o in facts.orders if o.campaign})
    campaigns = []
    for name in names:
        participants = {who for c, who, _ in facts.campaign_joins if c == name}
        orders = [o for o in facts.orders if o.campaign == name]
        buyers = {o.buyer for o in orders}
        gmv = sum(o.amount_fen for o in orders)
        discount = sum(o.discount_fen for o in orders)
        campaigns.append(
            {
                "campaign": name,
                "participants": len(participants),
                "orders": len(orders),
                "buyers": len(buyers),
                "conversion_rate": _ratio(len(buyers & participants), len(participants)),
                "gmv_fen": gmv,
                "discount_cost_fen": discount,
                "roi": _ratio(gmv - discount, discount),
            }
        )
    return {"start": start.isoformat(), "end": end.isoformat(), "campaigns": campaigns}
