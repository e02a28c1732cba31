"""Campaign report from the orders (R1.4.2): per promotion and per coupon batch, participation, discount
cost, GMV and ROI, computed from the discount shares the checkout stores on every order line.

``OrderLine.shares`` maps each applied offer's engine id to the fen it took off the line: ``P<id>`` is a
live promotion, ``C<id>`` a held coupon (its batch is the campaign); other ids (offers a test request
carried itself) belong to no campaign. Only orders that were paid count (``paid_at`` set), by the
Beijing date of payment. Per campaign:

- ``orders`` / ``buyers``: distinct paid orders with a line the campaign discounted, and their buyers;
- ``discount_fen``: the sum of the campaign's shares on those lines (the cost of the campaign);
- ``gmv_fen``: the participating orders' ``paid_fen`` less their ``refunded_fen`` (refunds reduce GMV);
- ``refunded_fen``: what was paid back on those orders;
- ``roi``: ``(gmv_fen - discount_fen) / discount_fen`` rounded to 4 places (None without a cost).

**Merchant report** (``merchant_campaign_report``, ``store.promotion.manage``): only the store's own paid
orders (its order lines through the fail-closed ``for_merchant`` scope), and on them only the store's own
promotions and coupon batches plus the platform's offers (platform promotions and batches). A platform
offer's figures are therefore restricted to the store's lines: its discount on this store's lines and the
GMV of this store's orders it took part in, never another store's. A share naming another store's offer
(which the checkout never writes) is dropped, not shown.

Read-only: order rows are read through their models here because the orders app has no selector for
line shares; staff need ``promotion.view``. Moved here from ``pricing.campaign_report`` (issue 16, ADR
0006): a read model over orders and pricing belongs above both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.orders.models import OrderLine
from mallops.pricing.models import Coupon, CouponBatch, Promotion


@dataclass
class _Tally:
    orders: set[int] = field(default_factory=set)
    buyers: set[int] = field(default_factory=set)
    discount_fen: int = 0


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_default_timezone()
    low = datetime.combine(start, time.min, tzinfo=tz) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
    return low, high


def _roi(gmv: int, cost: int) -> float | None:
    return round((gmv - cost) / cost, 4) if cost else None


def _rows(lines: QuerySet[OrderLine], start: date | None, end: date | None) -> list[tuple[Any, ...]]:
    low, high = _bounds(start, end)
    lines = lines.filter(order__paid_at__isnull=False)
    if low is not None:
        lines = lines.filter(order__paid_at__gte=low)
    if high is not None:
        lines = lines.filter(order__paid_at__lt=high)
    return list(
        lines.values_list(
            "order_id", "order__buyer_id", "order__paid_fen", "order__refunded_fen", "shares"
        ).order_by("order_id", "pk")
    )


def _coupon_ids(rows: list[tuple[Any, ...]]) -> set[int]:
    return {
        int(key[1:]) for *_, shares in rows for key in (shares or {}) if key[:1] == "C" and key[1:].isdigit()
    }


def _tally(
    rows: list[tuple[Any, ...]], batch_of: dict[int, int]
) -> tuple[dict[tuple[str, int], _Tally], dict[int, tuple[int, int]]]:
    tallies: dict[tuple[str, int], _Tally] = {}
    order_money: dict[int, tuple[int, int]] = {}
    for order_id, buyer_id, paid, refunded, shares in rows:
        order_money[order_id] = (int(paid), int(refunded))
        for key, fen in (shares or {}).items():
            if not key[1:].isdigit() or not fen:
                continue
            if key[0] == "P":
                campaign = ("promotion", int(key[1:]))
            elif key[0] == "C" and int(key[1:]) in batch_of:
                campaign = ("coupon_batch", batch_of[int(key[1:])])
            else:
                continue
            tally = tallies.setdefault(campaign, _Tally())
            tally.orders.add(order_id)
            tally.buyers.add(buyer_id)
            tally.discount_fen += int(fen)
    return tallies, order_money


def _ids(tallies: dict[tuple[str, int], _Tally], kind: str) -> list[int]:
    return [pk for k, pk in tallies if k == kind]


def _assemble(
    tallies: dict[tuple[str, int], _Tally],
    order_money: dict[int, tuple[int, int]],
    sources: dict[tuple[str, int], Promotion | CouponBatch],
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    campaigns = []
    for (kind, pk), tally in sorted(tallies.items()):
        source = sources.get((kind, pk))
        gmv = sum(order_money[o][0] - order_money[o][1] for o in tally.orders)
        refunded = sum(order_money[o][1] for o in tally.orders)
        campaigns.append(
            {
                "type": kind,
                "id": pk,
                "name": source.name if source is not None else "",
                "merchant_id": source.merchant_id if source is not None else None,
                "merchant": source.merchant.name if source is not None and source.merchant else "",
                "orders": len(tally.orders),
                "buyers": len(tally.buyers),
                "discount_fen": tally.discount_fen,
                "gmv_fen": gmv,
                "refunded_fen": refunded,
                "roi": _roi(gmv, tally.discount_fen),
            }
        )
    participating = set().union(*(t.orders for t in tallies.values())) if tallies else set()
    total_gmv = sum(order_money[o][0] - order_money[o][1] for o in participating)
    total_cost = sum(t.discount_fen for t in tallies.values())
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "campaigns": campaigns,
        "totals": {
            "orders": len(participating),
            "buyers": len({b for t in tallies.values() for b in t.buyers}),
            "discount_fen": total_cost,
            "gmv_fen": total_gmv,
            "roi": _roi(total_gmv, total_cost),
        },
    }


def campaign_report(*, actor: Actor, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Every campaign that discounted a paid order in ``[start, end]`` (Beijing dates, inclusive)."""
    require_permission(actor, "promotion.view")
    rows = _rows(
        OrderLine.objects.unscoped(reason="campaign report: discount shares of paid orders"), start, end
    )
    batch_of = dict(
        Coupon.objects.unscoped(reason="campaign report: batch of each used coupon")
        .filter(pk__in=_coupon_ids(rows))
        .values_list("pk", "batch_id")
    )
    tallies, order_money = _tally(rows, batch_of)
    sources: dict[tuple[str, int], Promotion | CouponBatch] = {}
    for p in (
        Promotion.objects.for_platform(actor, "promotion.view")
        .select_related("merchant")
        .filter(pk__in=_ids(tallies, "promotion"))
    ):
        sources[("promotion", p.pk)] = p
    for b in (
        CouponBatch.objects.for_platform(actor, "promotion.view")
        .select_related("merchant")
        .filter(pk__in=_ids(tallies, "coupon_batch"))
    ):
        sources[("coupon_batch", b.pk)] = b
    return _assemble(tallies, order_money, sources, start, end)


def merchant_campaign_report(
    *, actor: Actor, merchant_id: int, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The store's own campaigns and the platform's, counted on the store's own paid orders only."""
    require_permission(actor, "store.promotion.manage")
    rows = _rows(OrderLine.objects.for_merchant(merchant_id), start, end)
    coupon_ids = _coupon_ids(rows)
    platform = "merchant campaign report: the platform's offers on the store's own order lines"
    batch_of = dict(
        Coupon.objects.for_merchant(merchant_id).filter(pk__in=coupon_ids).values_list("pk", "batch_id")
    )
    batch_of.update(
        Coupon.objects.unscoped(reason=platform)
        .filter(pk__in=coupon_ids, merchant__isnull=True)
        .values_list("pk", "batch_id")
    )
    tallies, order_money = _tally(rows, batch_of)
    sources: dict[tuple[str, int], Promotion | CouponBatch] = {}
    promotion_ids, batch_ids = _ids(tallies, "promotion"), _ids(tallies, "coupon_batch")
    for qs in (
        Promotion.objects.for_merchant(merchant_id),
        Promotion.objects.unscoped(reason=platform).filter(merchant__isnull=True),
    ):
        for p in qs.select_related("merchant").filter(pk__in=promotion_ids):
            sources[("promotion", p.pk)] = p
    for bqs in (
        CouponBatch.objects.for_merchant(merchant_id),
        CouponBatch.objects.unscoped(reason=platform).filter(merchant__isnull=True),
    ):
        for b in bqs.select_related("merchant").filter(pk__in=batch_ids):
            sources[("coupon_batch", b.pk)] = b
    # fail closed: a campaign that is neither the store's nor the platform's is not reported at all
    own = {key: tally for key, tally in tallies.items() if key in sources}
    return _assemble(own, order_money, sources, start, end)
