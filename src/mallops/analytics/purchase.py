"""Purchase behaviour (R3.2.2): paid orders by hour of the day (Asia/Shanghai) and by payment method.

Read from the analytics facts, so the figures are those of the KPI page: with paid orders in the order
tables, the order rows and the payments that paid them (:mod:`.order_source`); otherwise ``order_paid``
events and their ``payment_method`` property. An order counts in the hour of its payment; an order whose
payment method is not known counts under ``""`` (shown as 未知).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from mallops.analytics.facts import Facts, OrderFact, build_facts, load_rows
from mallops.analytics.store.events import SHANGHAI_OFFSET_MICROS

MICROS_PER_HOUR: Final = 3_600_000_000


def shanghai_hour(ts_us: int) -> int:
    """0-23: the hour of the day in Asia/Shanghai (UTC+8 all year) of a UTC microsecond instant."""
    return ((ts_us + SHANGHAI_OFFSET_MICROS) // MICROS_PER_HOUR) % 24


def _summary(orders: list[OrderFact], total: int) -> dict[str, Any]:
    return {
        "orders": len(orders),
        "buyers": len({o.buyer for o in orders}),
        "gmv_fen": sum(o.amount_fen for o in orders),
        "share": None if total == 0 else len(orders) / total,
    }


def purchase_behaviour(facts: Facts) -> dict[str, Any]:
    """``by_hour``: 24 rows (hours 0-23, empty hours included); ``by_method``: one row per payment method,
    most orders first (then by method). Each row has orders, distinct buyers, GMV in fen and the share of
    the period's orders."""
    total = len(facts.orders)
    hours: list[list[OrderFact]] = [[] for _ in range(24)]
    methods: dict[str, list[OrderFact]] = {}
    for order in facts.orders:
        hours[shanghai_hour(order.paid_us)].append(order)
        methods.setdefault(order.payment_method, []).append(order)
    return {
        "orders": total,
        "by_hour": [{"hour": hour, **_summary(rows, total)} for hour, rows in enumerate(hours)],
        "by_method": [
            {"method": method, **_summary(rows, total)}
            for method, rows in sorted(methods.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
    }


def purchase_report(*, start: date, end: date) -> dict[str, Any]:
    """:func:`purchase_behaviour` of the paid orders of ``start..end`` (Shanghai days, both included)."""
    from mallops.analytics.metrics import check_range, period_bounds

    check_range(start, end)
    from_us, to_us = period_bounds(start, end)
    facts = build_facts(load_rows(from_us, to_us, events=("order_paid",)), from_us, to_us)
    return {"start": start.isoformat(), "end": end.isoformat(), **purchase_behaviour(facts)}
