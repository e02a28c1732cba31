"""Holdout assignment and campaign/strategy results (R4.1.2, R4.2.1): pure Python, no Django.

**Holdout.** A buyer is in the holdout of a campaign (or strategy) when the first 8 bytes of
``sha256("<scope>:<scope id>:<buyer id>")`` read as a big-endian integer, modulo 10,000, are below
``percent × 100``. The same campaign and buyer always give the same answer (a re-run or a second launch
attempt changes nobody's group) and no random generator state is involved.

**Results.** Treated buyers are the ones the campaign reached (delivered); the holdout got nothing. Over the
measurement window ``[start, end)``, from the paid orders of both groups:

* reach: treated buyers; conversions: treated buyers with at least one paid order in the window;
* GMV: the paid amounts of the treated buyers' orders in the window;
* cost: the discounts on those orders plus ``message_cost_fen`` per buyer reached;
* ROI = (GMV − cost) / cost as an exact fraction (None without cost);
* conversion rates of both groups as exact fractions, uplift = treated rate − holdout rate (None when a
  group is empty).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Final

BUCKETS: Final = 10_000


def in_holdout(*, scope: str, scope_id: int, buyer_id: int, percent: int) -> bool:
    """Whether ``buyer_id`` is held out of ``scope`` ``scope_id`` (``percent`` 0–100)."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{scope}:{scope_id}:{buyer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS < percent * (BUCKETS // 100)


@dataclass(frozen=True)
class OrderFact:
    buyer_id: int
    paid_at: datetime
    paid_fen: int
    discount_fen: int


@dataclass(frozen=True)
class Results:
    reach: int
    conversions: int
    orders: int
    gmv_fen: int
    cost_fen: int
    roi: Fraction | None
    conversion_rate: Fraction | None
    holdout_size: int
    holdout_conversions: int
    holdout_conversion_rate: Fraction | None
    uplift: Fraction | None  # conversion-rate difference, treated minus holdout


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def results(
    *,
    treated: Iterable[int],
    holdout: Iterable[int],
    orders: Iterable[OrderFact],
    start: datetime,
    end: datetime,
    message_cost_fen: int = 0,
) -> Results:
    """The campaign's results over ``[start, end)`` (see the module docstring for each figure)."""
    treated_ids, holdout_ids = set(treated), set(holdout)
    in_window = [o for o in orders if start <= o.paid_at < end]
    treated_orders = [o for o in in_window if o.buyer_id in treated_ids]
    converted = {o.buyer_id for o in treated_orders}
    holdout_converted = {o.buyer_id for o in in_window if o.buyer_id in holdout_ids}
    gmv = sum(o.paid_fen for o in treated_orders)
    cost = sum(o.discount_fen for o in treated_orders) + message_cost_fen * len(treated_ids)
    rate = _rate(len(converted), len(treated_ids))
    holdout_rate = _rate(len(holdout_converted), len(holdout_ids))
    return Results(
        reach=len(treated_ids),
        conversions=len(converted),
        orders=len(treated_orders),
        gmv_fen=gmv,
        cost_fen=cost,
        roi=Fraction(gmv - cost, cost) if cost else None,
        conversion_rate=rate,
        holdout_size=len(holdout_ids),
        holdout_conversions=len(holdout_converted),
        holdout_conversion_rate=holdout_rate,
        uplift=rate - holdout_rate if rate is not None and holdout_rate is not None else None,
    )
