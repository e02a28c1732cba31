"""Points as a tender at checkout (R2.3.1): the hook between checkout and the points ledger.

Checkout may not import the membership app (ADR 0006: membership sits above orders), so the membership
app registers its points tender here when it starts. Points are not a discount: the pricing contract and
the quote's ``total`` are unchanged; points pay part of that payable amount, and each order line's
``paid_fen`` is what is left to pay in cash (docs/membership.md, "Points").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TenderPlan:
    balance: int  # the buyer's available points
    points: int  # the points the checkout uses
    fen: int  # what they pay


@dataclass(frozen=True)
class TenderLine:
    order_id: int
    order_line_id: int
    qty: int
    points: int
    fen: int


class PointsTender(Protocol):
    def plan(self, *, buyer_id: int, requested: int, payable_fen: int) -> TenderPlan: ...

    def split(self, *, points: int, fen: int, line_paid_fen: list[int]) -> list[tuple[int, int]]: ...

    def redeem(self, *, buyer_id: int, checkout_id: int, lines: list[TenderLine], now: datetime) -> None: ...


_TENDER: list[PointsTender] = []


def register_points_tender(tender: PointsTender) -> None:
    _TENDER[:] = [tender]


def points_tender() -> PointsTender | None:
    """The registered tender (None when the membership app is not installed: no points then)."""
    return _TENDER[0] if _TENDER else None
