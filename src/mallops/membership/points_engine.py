"""Pure points rules (R2.3.1): earning, the redemption a checkout allows, its split over the lines, what a
refund gives back or takes back, and expiry. No Django here (import-linter contract); all fen and point
splits use ``core.money.apportion`` (the largest-remainder method of the pricing contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from mallops.core.money import apportion


def earn_points(cash_fen: int, points_per_yuan: int, multiplier_percent: int) -> int:
    """Points earned by ``cash_fen`` paid in cash: per whole 元, times the campaign multiplier (floor)."""
    return max(cash_fen, 0) // 100 * max(points_per_yuan, 0) * max(multiplier_percent, 0) // 100


@dataclass(frozen=True, slots=True)
class Redemption:
    points: int  # taken from the buyer's available points
    fen: int  # what they pay of the payable amount


def redemption(*, requested: int, balance: int, payable_fen: int, rate: int, cap_percent: int) -> Redemption:
    """The points a checkout uses: at most what the buyer asked for and holds, worth at most
    ``cap_percent`` % of the payable amount, at ``rate`` points per 元; the points are the fewest that
    pay the fen (so no point is taken without paying for something)."""
    if rate < 1:
        raise ValueError("rate must be >= 1")
    usable = min(max(requested, 0), max(balance, 0))
    # at most 99 %: an order always keeps a cash part to pay (and to refund), whatever the setting says
    cap_fen = max(payable_fen, 0) * max(min(cap_percent, 99), 0) // 100
    most = min(usable, cap_fen * rate // 100)  # whole points worth at most the cap
    fen = most * 100 // rate
    points = -(-fen * rate // 100)  # the fewest of them that pay those fen
    return Redemption(points=points, fen=fen)


def split_over_lines(points: int, fen: int, line_paid_fen: Sequence[int]) -> list[tuple[int, int]]:
    """(points, fen) of each line: the fen in proportion to each line's payable amount, the points in
    proportion to the fen, both by largest remainder (exact sums, no line pays more than it owes)."""
    if fen > sum(line_paid_fen):
        raise ValueError("points pay more than the lines owe")
    fens = apportion(fen, list(line_paid_fen)) if fen else [0] * len(line_paid_fen)
    pts = apportion(points, fens) if points else [0] * len(line_paid_fen)
    return list(zip(pts, fens, strict=True))


def units_share(total: int, qty: int, units: int) -> int:
    """The part of ``total`` (points of a line of ``qty`` units) that belongs to its first ``units``
    units: split unit by unit by largest remainder, like the cash of a partial return
    (``aftersales.rules.paid_for``), so successive partial refunds add up to the line exactly."""
    units = max(0, min(units, qty))
    if units == 0 or total == 0:
        return 0
    return sum(apportion(total, [1] * qty)[:units])


def reverse_target(
    *, earned: int, paid_fen: int, refunded_fen: int, points_per_yuan: int, multiplier_percent: int
) -> int:
    """Earned points a refund takes back: the buyer keeps what the cash not refunded would have earned."""
    keep = earn_points(max(paid_fen - refunded_fen, 0), points_per_yuan, multiplier_percent)
    return max(earned - keep, 0)


def expiry_month_end(earned_on: date, months: int) -> date:
    """The first day after the end of the ``months``-th month after the month of ``earned_on`` (points
    earned any day of December 2026 expire when January 2028 starts, for 12 months)."""
    index = earned_on.year * 12 + (earned_on.month - 1) + months + 1
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Lot:
    points: int
    expires_at: datetime


def expired_by(lots: Sequence[Lot], spent: int, already_expired: int, at: datetime) -> int:
    """Points to expire now (first in, first out): spending uses the lots that expire first, so of the
    lots expired by ``at``, what spending did not use and no earlier expiry removed."""
    due = sum(lot.points for lot in lots if lot.expires_at <= at)
    return max(due - max(spent, 0) - already_expired, 0)
