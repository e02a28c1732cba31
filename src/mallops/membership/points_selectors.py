"""Points reads (R2.3.1): a buyer's own balance and ledger, the coupons on offer for points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallops.membership import points_conf as conf
from mallops.membership import points_engine as engine
from mallops.membership.models import PointsAccount, PointsCouponOffer, PointsEntry
from mallops.membership.points import expiry_state


@dataclass(frozen=True)
class PointsSummary:
    available: int
    frozen: int
    rate: int  # points per 元 at checkout
    cap_percent: int  # of an order's payable amount
    expiring: int  # of the available points, how many expire at ``expires_at``
    expires_at: datetime | None


def points_summary(*, buyer_id: int) -> PointsSummary:
    """The buyer's balance and the next expiry (no account yet: all zero)."""
    account = PointsAccount.objects.filter(buyer_id=buyer_id).first()
    rate, cap = conf.value("POINTS_RATE"), conf.value("POINTS_CAP_PERCENT")
    if account is None:
        return PointsSummary(0, 0, rate, cap, 0, None)
    expiring = 0
    if account.expiry_due_at is not None:
        lots, spent, expired = expiry_state(buyer_id)
        expiring = min(engine.expired_by(lots, spent, expired, account.expiry_due_at), account.available)
    return PointsSummary(
        account.available,
        account.frozen,
        rate,
        cap,
        expiring,
        account.expiry_due_at if expiring else None,
    )


def points_ledger(*, buyer_id: int, before_id: int | None = None, limit: int = 20) -> list[PointsEntry]:
    """The buyer's ledger, newest first, ``limit`` entries older than ``before_id`` (a cursor)."""
    rows = PointsEntry.objects.filter(buyer_id=buyer_id)
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return list(rows.order_by("-pk")[: max(1, min(limit, 100))])


def coupon_offers() -> list[PointsCouponOffer]:
    """Coupons buyers may take for points (active offers), cheapest first."""
    return list(
        PointsCouponOffer.objects.filter(active=True).select_related("batch").order_by("points", "pk")
    )
