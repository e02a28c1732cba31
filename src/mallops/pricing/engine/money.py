"""Discount formulas and apportionment, all in integer fen (no floats, no Decimal)."""

from __future__ import annotations

from collections.abc import Sequence

from mallops.pricing.engine.model import Coupon, Kind, Line, Promotion


def apportion(discount: int, amounts: Sequence[int]) -> list[int]:
    """Split ``discount`` over ``amounts`` (in scenario order) by the largest-remainder method.

    Each amount first gets ``floor(discount * amount / base)``; the fen left over go one each to the
    largest remainders, ties to the earlier amount. Precondition: ``0 <= discount <= sum(amounts)``,
    so no share exceeds its amount.
    """
    base = sum(amounts)
    if discount <= 0 or base <= 0:
        return [0] * len(amounts)
    if discount == base:
        return list(amounts)
    shares: list[int] = []
    remainders: list[int] = []
    left = discount
    for amount in amounts:
        share, remainder = divmod(discount * amount, base)
        shares.append(share)
        remainders.append(remainder)
        left -= share
    if left:
        # sorted() is stable, also with reverse=True: equal remainders keep scenario order.
        for j in sorted(range(len(amounts)), key=remainders.__getitem__, reverse=True)[:left]:
            shares[j] += 1
    return shares


def item_discount(promotion: Promotion, line: Line, amount: int) -> int:
    """The discount an item-layer promotion gives one line whose current amount is ``amount``."""
    kind = promotion.kind
    if kind is Kind.PERCENT_OFF:
        return amount * promotion.percent // 100
    if kind is Kind.AMOUNT_OFF:
        return min(line.unit_price, promotion.amount) * line.qty
    # nth_item
    free_units = line.qty // promotion.n
    return free_units * line.unit_price * promotion.percent // 100


def threshold_discount(promotion: Promotion, base: int) -> int:
    """The discount of a threshold promotion on ``base`` (never more than the base)."""
    tiers = promotion.tiers
    if promotion.repeat:
        tier = tiers[0]
        off = base // tier.min * tier.off
        if promotion.cap is not None and off > promotion.cap:
            off = promotion.cap
    else:
        reached = -1
        off = 0
        for tier in tiers:
            if tier.min <= base and tier.min > reached:
                reached, off = tier.min, tier.off
    return off if off < base else base


def order_discount(promotion: Promotion, base: int, qty: int) -> int:
    """The discount of a store or platform promotion on ``base``; ``qty`` counts the scope's units."""
    if promotion.kind is Kind.MULTI_BUY:
        return base * promotion.percent // 100 if qty >= promotion.min_qty else 0
    return threshold_discount(promotion, base)


def coupon_discount(coupon: Coupon, base: int) -> int:
    """The discount of a coupon on its (already reduced) base; 0 below its ``min``.

    Non-decreasing in ``base``, which the search relies on for its bounds.
    """
    if base < coupon.min:
        return 0
    if coupon.off is not None:
        return coupon.off if coupon.off < base else base
    assert coupon.percent is not None
    off = base * coupon.percent // 100
    if coupon.max_off is not None and off > coupon.max_off:
        off = coupon.max_off
    return off
