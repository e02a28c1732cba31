"""Money is an integer number of fen. Formatting and apportionment live here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mallops.core.errors import conflict


@dataclass(frozen=True, order=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise TypeError("Money holds an integer number of fen")

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __str__(self) -> str:
        return format_fen(self.fen)


def format_fen(fen: int, symbol: str = "¥") -> str:
    """``123456`` → ``¥1,234.56``; negative amounts put the sign before the symbol."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """``"1,234.5"`` → ``123450`` fen. Raises ValueError for more than two decimals or garbage."""
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:]
    whole, _, frac = cleaned.partition(".")
    if not whole.isdigit() and not (whole == "" and frac.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    if len(frac) > 2 or (frac and not frac.isdigit()):
        raise ValueError(f"at most two decimals: {text!r}")
    fen = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -fen if negative else fen


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` fen over ``weights`` by the largest-remainder method.

    Each part first gets ``floor(total * w / sum)``; the fen left over go one each to the largest
    fractional remainders, ties to the earlier position. Parts sum to ``total`` exactly.
    """
    if total < 0:
        raise ValueError("total must be >= 0")
    base = sum(weights)
    if base <= 0:
        if total == 0:
            return [0] * len(weights)
        raise ValueError("cannot apportion over zero weights")
    parts = [total * w // base for w in weights]
    remainders = [(total * w) % base for w in weights]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def refund_cap_check(*, paid_fen: int, refunded_fen: int, amount_fen: int, code: str) -> None:
    """The one refund cap (issue 16): a refund is at least 1 fen and at most what is left of the paid
    amount (``paid_fen - refunded_fen``) on the ledger it is taken from (an order, a payment, the
    provider's books). Raises a 409 ``DomainError`` with ``code`` and ``left_fen``; the database holds the
    same rule as a ``CheckConstraint`` (refunded <= paid) on each ledger.
    """
    left = paid_fen - refunded_fen
    if not 1 <= amount_fen <= left:
        raise conflict("The refund is more than what is left of the amount paid.", code=code, left_fen=left)
