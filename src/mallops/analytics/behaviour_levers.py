"""Conversion levers (R3.3.3) from the event store: experiment and page variants, coupons / threshold offers /
gifts at checkout, checkout-step drop-off, and repurchase of members, points users and recommendation buyers.

Events and properties read (docs/analytics.md, "Behaviour, reviews and conversion levers"): ``page_view``
(``variant`` with ``experiment`` or ``page``), ``checkout`` and ``order_paid`` (offer flags), ``checkout_step``
(``step_index`` from 1, ``step``), ``order_paid`` (``order_id``, ``amount_fen``, loyalty flags) and the A/B
exposure log. Orders count once per ``order_id``; "paid" means an ``order_paid`` at or after the moment the
user entered the group and within the period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

from mallops.analytics.behaviour import Event, _by_user, _flag, _number, load_events
from mallops.analytics.metrics import _fen_ratio, _ratio, check_range, period_bounds
from mallops.analytics.selectors import alias_map

OFFER_LEVERS: Final = {
    "coupon": ("coupon", "coupon_code", "coupon_fen"),
    "threshold_offer": ("threshold_offer", "threshold_fen"),
    "gift": ("gift", "gift_spu"),
}
LOYALTY_LEVERS: Final = {
    "member": ("member", "member_level"),
    "points": ("points_used", "points_fen"),
    "recommendation": ("from_recommendation", "recommendation"),
}


def _conversion(users: int, buyers: int) -> dict[str, Any]:
    return {"users": users, "buyers": buyers, "conversion": _ratio(buyers, users)}


def _paid_orders(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Each user's ``order_paid`` events in time order, the first per ``order_id`` only."""
    seen: set[str] = set()
    orders: dict[str, list[Event]] = defaultdict(list)
    for item in sorted((e for e in events if e.event == "order_paid"), key=lambda e: (e.ts, e.who)):
        order_id = str(item.props.get("order_id") or f"{item.who}@{item.ts}")
        if order_id not in seen:
            seen.add(order_id)
            orders[item.who].append(item)
    return orders


def _paid_after(orders: dict[str, list[Event]], who: str, ts: int) -> bool:
    return any(order.ts >= ts for order in orders.get(who, ()))


def _experiment_rows(from_us: int, to_us: int, orders: dict[str, list[Event]]) -> list[dict[str, Any]]:
    """Users first exposed in the period per experiment variant, and how many paid at or after exposure."""
    from datetime import UTC, datetime

    from mallops.analytics.models import ExperimentExposure

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    low, high = epoch + timedelta(microseconds=from_us), epoch + timedelta(microseconds=to_us)
    aliases = alias_map()
    counts: dict[tuple[str, str], list[int]] = {}
    exposures = (
        ExperimentExposure.objects.filter(exposed_at__gte=low, exposed_at__lt=high)
        .order_by("experiment__key", "variant", "distinct_id")
        .values_list("experiment__key", "variant", "distinct_id", "exposed_at")
    )
    for key, variant, distinct_id, exposed_at in exposures:
        delta = exposed_at - epoch
        exposed_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        cell = counts.setdefault((key, variant), [0, 0])
        cell[0] += 1
        cell[1] += _paid_after(orders, aliases.get(distinct_id, distinct_id), exposed_us)
    return [
        {"experiment": key, "variant": variant, **_conversion(users, buyers)}
        for (key, variant), (users, buyers) in counts.items()
    ]


def levers_report(*, start: date, end: date) -> dict[str, Any]:
    """Conversion split by the levers: experiment and page variants, coupons / threshold offers / gifts at
    checkout, checkout step drop-off, and repurchase of members, points users and recommendation buyers."""
    check_range(start, end)
    from_us, to_us = period_bounds(start, end)
    events = load_events(from_us, to_us, ("page_view", "checkout", "checkout_step", "order_paid"))
    orders = _paid_orders(events)
    users = _by_user(events)

    visitors = buyers = 0
    variants: dict[tuple[str, str], list[int]] = {}
    offers = {name: {True: [0, 0], False: [0, 0]} for name in OFFER_LEVERS}
    steps: dict[int, set[str]] = defaultdict(set)
    step_names: dict[int, Counter[str]] = defaultdict(Counter)
    for who, sequence in users.items():
        views = [e for e in sequence if e.event == "page_view"]
        if views:
            visitors += 1
            buyers += _paid_after(orders, who, views[0].ts)
        first_variant: dict[tuple[str, str], int] = {}
        for view in views:
            variant = view.props.get("variant")
            if isinstance(variant, str) and variant:
                group = view.props.get("experiment") or view.props.get("page") or ""
                first_variant.setdefault((str(group), variant), view.ts)
        for key, ts in first_variant.items():
            cell = variants.setdefault(key, [0, 0])
            cell[0] += 1
            cell[1] += _paid_after(orders, who, ts)
        checkouts = [e for e in sequence if e.event == "checkout"]
        if checkouts:
            paid = _paid_after(orders, who, checkouts[0].ts)
            for name, props in OFFER_LEVERS.items():
                cell = offers[name][any(_flag(c.props, *props) for c in checkouts)]
                cell[0] += 1
                cell[1] += paid
        for item in sequence:
            index = item.props.get("step_index") if item.event == "checkout_step" else None
            if isinstance(index, int) and not isinstance(index, bool) and index >= 1:
                steps[index].add(who)
                label = item.props.get("step")
                step_names[index][label if isinstance(label, str) and label else f"step {index}"] += 1

    offer_rows = []
    for name, props in OFFER_LEVERS.items():
        split = {True: [0, 0], False: [0, 0]}  # orders, paid fen
        for order in (o for user_orders in orders.values() for o in user_orders):
            cell = split[_flag(order.props, *props)]
            cell[0] += 1
            amount = _number(order.props.get("amount_fen"))
            cell[1] += int(amount) if amount is not None else 0
        row: dict[str, Any] = {"lever": name}
        for used, label in ((True, "with"), (False, "without")):
            checkout_users, checkout_buyers = offers[name][used]
            row[label] = {
                "checkout_users": checkout_users,
                "buyers": checkout_buyers,
                "conversion": _ratio(checkout_buyers, checkout_users),
                "orders": split[used][0],
                "gmv_fen": split[used][1],
                "aov_fen": _fen_ratio(split[used][1], split[used][0]),
            }
        with_rate, without_rate = row["with"]["conversion"], row["without"]["conversion"]
        row["lift"] = None if with_rate is None or without_rate is None else with_rate - without_rate
        offer_rows.append(row)

    ordered = sorted(steps)
    step_rows: list[dict[str, Any]] = []
    previous: int | None = None
    for index in ordered:
        n = len(steps[index])
        step_rows.append(
            {
                "step_index": index,
                "step": step_names[index].most_common(1)[0][0],
                "users": n,
                "drop_off": _drop(n, previous),
            }
        )
        previous = n
    if ordered:
        starters = steps[ordered[0]]
        payers = sum(1 for who in starters if _paid_after(orders, who, _first_at(users[who], ordered[0])))
        step_rows.append(
            {"step_index": None, "step": "order_paid", "users": payers, "drop_off": _drop(payers, previous)}
        )

    loyalty_rows = []
    for name, props in LOYALTY_LEVERS.items():
        split_buyers = {True: [0, 0], False: [0, 0]}  # buyers, repeat buyers
        for user_orders in orders.values():
            cell = split_buyers[any(_flag(o.props, *props) for o in user_orders)]
            cell[0] += 1
            cell[1] += len(user_orders) >= 2
        loyalty_rows.append(
            {
                "lever": name,
                **{
                    label: {
                        "buyers": split_buyers[used][0],
                        "repeat_buyers": split_buyers[used][1],
                        "repurchase_rate": _ratio(split_buyers[used][1], split_buyers[used][0]),
                    }
                    for used, label in ((True, "with"), (False, "without"))
                },
            }
        )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "overall": _conversion(visitors, buyers),
        "experiments": _experiment_rows(from_us, to_us, orders),
        "page_variants": [
            {"group": group, "variant": variant, **_conversion(n, paid)}
            for (group, variant), (n, paid) in sorted(variants.items())
        ],
        "offers": offer_rows,
        "checkout_steps": step_rows,
        "repurchase": loyalty_rows,
    }


def _first_at(sequence: list[Event], step_index: int) -> int:
    return min(
        e.ts for e in sequence if e.event == "checkout_step" and e.props.get("step_index") == step_index
    )


def _drop(n: int, previous: int | None) -> float | None:
    return None if not previous else 1 - n / previous
