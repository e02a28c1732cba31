"""Facts the KPI registry, segments, lifecycle and campaign reports are computed from.

Source: the event store. The platform's server-side events (``analytics_track``) carry them, with these
properties (documented in docs/analytics.md):

* ``order_paid``: ``order_id``, ``amount_fen`` (paid), ``discount_fen``, optional ``campaign``, ``items``
  ``[{"spu", "qty", "amount_fen"}]``; the order's buyer is the ``distinct_id``;
* ``refund``: ``order_id``, ``amount_fen``;
* ``signup``; ``review``: ``score`` 1-5; ``ticket_first_response``: ``response_seconds``; ``csat``: ``score``
  1-5; ``complaint``; ``campaign_join``: ``campaign``; ``cost``: ``category`` (advertising, logistics,
  customer_service), ``amount_fen`` (cost entries typed in the console or the API arrive as one ``cost`` row
  per day, see :mod:`.costs`);
* ``order_paid`` may carry ``payment_method`` (the payment provider: ``wechat``, ``alipay``, ``sandbox``...)
  (R3.2.2);
* ``order_shipped``: ``order_id``, ``processing_seconds`` (paid to shipped) (R3.4.1);
* ``page_timing``: ``page`` (a page key) and ``load_ms`` (the browser's load time, 0 to 600,000 ms) (R3.4.1).

``cost`` and ``order_shipped`` rows are not visits: they never add to ``visitors``.

An order counts once even when its ``order_paid`` event was sent twice under different uuids: the first
event per ``order_id`` wins (the uuid already removes retried deliveries).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from mallops.analytics import querying
from mallops.analytics.selectors import alias_map
from mallops.analytics.store.events import shanghai_day
from mallops.analytics.store.queries import sql_string

FACT_EVENTS: Final = (
    "order_paid",
    "refund",
    "signup",
    "review",
    "ticket_first_response",
    "csat",
    "complaint",
    "campaign_join",
    "cost",
    "order_shipped",
    "page_timing",
)
NOT_VISITS: Final = frozenset({"cost", "order_shipped"})
MAX_LOAD_MS: Final = 600_000


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    buyer: str
    paid_us: int
    amount_fen: int
    discount_fen: int
    campaign: str
    items: tuple[tuple[str, int, int], ...]  # (spu, qty, amount_fen)
    payment_method: str = ""


@dataclass
class Facts:
    """Everything in ``[from_us, to_us)``, identity-resolved."""

    from_us: int
    to_us: int
    orders: list[OrderFact] = field(default_factory=list)
    visitors: set[str] = field(default_factory=set)
    refunds: list[tuple[str, int, int]] = field(default_factory=list)  # (order_id, ts, amount)
    signups: list[tuple[str, int]] = field(default_factory=list)
    review_scores: list[float] = field(default_factory=list)
    response_seconds: list[float] = field(default_factory=list)
    csat_scores: list[float] = field(default_factory=list)
    complaints: int = 0
    campaign_joins: list[tuple[str, str, int]] = field(default_factory=list)  # (campaign, who, ts)
    costs: dict[str, int] = field(default_factory=dict)
    processing_seconds: list[float] = field(default_factory=list)  # paid -> shipped, per shipped order
    page_loads: list[tuple[str, float]] = field(default_factory=list)  # (page, load_ms)


def _items(value: object) -> tuple[tuple[str, int, int], ...]:
    if not isinstance(value, list):
        return ()
    result = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("spu"), str | int):
            result.append((str(item["spu"]), _int(item.get("qty")) or 1, _int(item.get("amount_fen"))))
    return tuple(result)


Row = tuple[str, str, int, dict[str, Any]]  # (distinct_id, event, ts_us, properties)


def parse_rows(rows: Iterable[tuple[str, str, int, str]]) -> list[Row]:
    """Decode properties once and keep only the first ``order_paid`` per ``order_id`` (rows in time order)."""
    parsed: list[Row] = []
    seen_orders: set[str] = set()
    seen_shipped: set[str] = set()
    for distinct_id, event, ts, text in rows:
        props: dict[str, Any] = json.loads(text) if event in FACT_EVENTS else {}
        if event == "order_paid":
            order_id = str(props.get("order_id", "")) or f"{distinct_id}@{ts}"
            if order_id in seen_orders:
                continue
            seen_orders.add(order_id)
            props = {**props, "order_id": order_id}
        elif event == "order_shipped":
            order_id = str(props.get("order_id", ""))
            if order_id and order_id in seen_shipped:
                continue
            seen_shipped.add(order_id)
        parsed.append((distinct_id, event, ts, props))
    return parsed


def build_facts(rows: Iterable[Row], from_us: int, to_us: int) -> Facts:
    """Facts of the parsed rows with ``from_us <= ts < to_us``."""
    facts = Facts(from_us, to_us)
    for distinct_id, event, ts, props in rows:
        if not from_us <= ts < to_us:
            continue
        if event not in NOT_VISITS:
            facts.visitors.add(distinct_id)
        if event == "order_paid":
            campaign = props.get("campaign")
            method = props.get("payment_method")
            facts.orders.append(
                OrderFact(
                    str(props["order_id"]),
                    distinct_id,
                    ts,
                    _int(props.get("amount_fen")),
                    _int(props.get("discount_fen")),
                    campaign if isinstance(campaign, str) else "",
                    _items(props.get("items")),
                    method if isinstance(method, str) else "",
                )
            )
        elif event == "refund":
            facts.refunds.append((str(props.get("order_id", "")), ts, _int(props.get("amount_fen"))))
        elif event == "signup":
            facts.signups.append((distinct_id, ts))
        elif event == "review" and (score := _num(props.get("score"))) is not None:
            facts.review_scores.append(score)
        elif event == "ticket_first_response" and (sec := _num(props.get("response_seconds"))) is not None:
            facts.response_seconds.append(sec)
        elif event == "csat" and (score := _num(props.get("score"))) is not None:
            facts.csat_scores.append(score)
        elif event == "complaint":
            facts.complaints += 1
        elif event == "campaign_join" and isinstance(props.get("campaign"), str):
            facts.campaign_joins.append((props["campaign"], distinct_id, ts))
        elif event == "cost":
            category = props.get("category")
            if isinstance(category, str):
                facts.costs[category] = facts.costs.get(category, 0) + _int(props.get("amount_fen"))
        elif event == "order_shipped" and (sec := _num(props.get("processing_seconds"))) is not None:
            if sec >= 0:
                facts.processing_seconds.append(sec)
        elif event == "page_timing" and (ms := _num(props.get("load_ms"))) is not None:
            page = props.get("page")
            if isinstance(page, str) and page and 0 <= ms <= MAX_LOAD_MS:
                facts.page_loads.append((page[:100], ms))
    return facts


def load_rows(from_us: int, to_us: int, *, events: tuple[str, ...] | None = None) -> list[Row]:
    """Parsed, identity-resolved rows of the period, in time order; ``order_paid`` and ``refund`` rows come
    from the order tables when :func:`mallops.analytics.order_source.source` says so."""
    where = f"ts_us >= {from_us} AND ts_us < {to_us}"
    if events is not None:
        where += f" AND event IN ({', '.join(sql_string(e) for e in events)})"
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), alias_map()) as query:
        rows = (
            []
            if query.source is None
            else query.fetch(
                f"SELECT distinct_id, event, ts_us, properties FROM {query.source} WHERE {where} "
                "ORDER BY ts_us, event, raw_id"
            )
        )
    parsed = parse_rows(rows)
    from mallops.analytics import order_source

    wanted = None if events is None else set(events)
    if order_source.source() == "orders":
        kept = [row for row in parsed if row[1] not in order_source.TABLE_EVENTS]
        tables = [
            row for row in order_source.table_rows(from_us, to_us) if wanted is None or row[1] in wanted
        ]
        parsed = sorted(kept + tables, key=lambda row: row[2])
    if wanted is None or "cost" in wanted:
        from mallops.analytics.costs import cost_rows

        extra = cost_rows(from_us, to_us)
        if extra:
            parsed = sorted(parsed + extra, key=lambda row: row[2])
    return parsed


def load_facts(from_us: int, to_us: int, *, events: tuple[str, ...] | None = None) -> Facts:
    return build_facts(load_rows(from_us, to_us, events=events), from_us, to_us)
