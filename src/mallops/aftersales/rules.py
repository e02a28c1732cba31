"""Pure after-sales rules (no Django): 7-day no-reason return window, exclusions, refund split.

CPL Art. 25 (regulations.md ``RET7``/``CPL``): online purchases may be returned without a reason within
7 days of receipt. The window counts Asia/Shanghai calendar days starting the day after delivery, so
the last eligible day is the delivery's local date + 7 (inclusive). Statutory exclusions: custom-made,
perishable, downloaded/unsealed digital goods, delivered periodicals, and goods whose exclusion the buyer
confirmed at purchase.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mallops.core.money import apportion

SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_REASON_DAYS = 7
EXCLUSIONS = frozenset(
    {"custom_made", "perishable", "digital_unsealed", "periodicals", "confirmed_by_nature"}
)


def last_no_reason_day(delivered_at: datetime) -> date:
    """The last local (Asia/Shanghai) date on which a no-reason return may be asked for."""
    return delivered_at.astimezone(SHANGHAI).date() + timedelta(days=NO_REASON_DAYS)


def no_reason_refusal(delivered_at: datetime | None, now: datetime, exclusion: str) -> str:
    """Why a 7-day no-reason return is refused ("" when eligible)."""
    if exclusion:
        return "excluded_" + exclusion
    if delivered_at is None:
        return "not_delivered"
    if now.astimezone(SHANGHAI).date() > last_no_reason_day(delivered_at):
        return "window_closed"
    return ""


def paid_for(line_paid_fen: int, line_qty: int, already: int, qty: int) -> int:
    """Fen paid for ``qty`` more units of a line when ``already`` units were returned before.

    The line's paid amount is split unit by unit with the largest-remainder method
    (``mallops.core.money.apportion``), so the parts of successive partial returns sum to the line
    exactly."""
    if qty < 1 or already < 0 or already + qty > line_qty:
        raise ValueError("quantity beyond the line")
    units = apportion(line_paid_fen, [1] * line_qty)
    return sum(units[already : already + qty])
