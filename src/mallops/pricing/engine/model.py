"""Frozen value types of the pricing engine: the scenario that goes in and the quote that comes out.

All money is integer fen. Django code may build these directly from database rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    PERCENT_OFF = "percent_off"
    AMOUNT_OFF = "amount_off"
    NTH_ITEM = "nth_item"
    THRESHOLD = "threshold"
    MULTI_BUY = "multi_buy"


class Layer(StrEnum):
    ITEM = "item"
    STORE = "store"
    PLATFORM = "platform"


ITEM_KINDS = frozenset({Kind.PERCENT_OFF, Kind.AMOUNT_OFF, Kind.NTH_ITEM})


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    sku: str
    merchant: str
    unit_price: int
    qty: int

    @property
    def amount(self) -> int:
        return self.unit_price * self.qty


@dataclass(frozen=True, slots=True)
class Tier:
    min: int
    off: int


@dataclass(frozen=True, slots=True)
class Promotion:
    """One promotion. Only the fields of its ``kind`` are meaningful; the others keep their defaults."""

    id: str
    kind: Kind
    layer: Layer
    merchant: str | None = None
    skus: frozenset[str] | None = None
    percent: int = 0
    amount: int = 0
    n: int = 1
    tiers: tuple[Tier, ...] = ()
    repeat: bool = False
    cap: int | None = None
    min_qty: int = 0
    with_coupons: bool = True
    members_only: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Coupon:
    """A held coupon: exactly one of ``off`` and ``percent`` is set."""

    id: str
    layer: Layer
    merchant: str | None = None
    skus: frozenset[str] | None = None
    min: int = 0
    off: int | None = None
    percent: int | None = None
    max_off: int | None = None
    members_only: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    lines: tuple[Line, ...]
    promotions: tuple[Promotion, ...] = ()
    coupons: tuple[Coupon, ...] = ()
    at: datetime | None = None
    member: bool = False


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    """A promotion or coupon that discounted something; ``shares`` are (line id, fen) in line order."""

    id: str
    step: int
    amount: int
    shares: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class QuoteLine:
    id: str
    amount: int
    discount: int

    @property
    def paid(self) -> int:
        return self.amount - self.discount


@dataclass(frozen=True, slots=True)
class NextThreshold:
    """``needed`` more fen on the promotion's base would make it give ``off`` in total."""

    id: str
    needed: int
    off: int


@dataclass(frozen=True, slots=True)
class Quote:
    subtotal: int
    discount: int
    applied: tuple[AppliedDiscount, ...]
    lines: tuple[QuoteLine, ...]
    next_threshold: NextThreshold | None = None

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


def quote_to_json(q: Quote) -> dict[str, object]:
    """The contract's JSON shape of a quote (``next_threshold`` only when there is one)."""
    out: dict[str, object] = {
        "subtotal": q.subtotal,
        "discount": q.discount,
        "total": q.total,
        "applied": [
            {"id": a.id, "step": a.step, "amount": a.amount, "lines": dict(a.shares)} for a in q.applied
        ],
        "lines": [
            {"id": ln.id, "amount": ln.amount, "discount": ln.discount, "paid": ln.paid} for ln in q.lines
        ],
    }
    if q.next_threshold is not None:
        nt = q.next_threshold
        out["next_threshold"] = {"id": nt.id, "needed": nt.needed, "off": nt.off}
    return out
