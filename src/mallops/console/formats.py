"""One way to show money, durations, dates and status tones on every console page (and in exports)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mallops.core.money import format_fen

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"  # the console's one date-time format, always Beijing time
DATE_FORMAT = "%Y-%m-%d"
EMPTY = "—"


def yuan(fen: int | str | None) -> str:
    """``104900`` → ``¥1,049.00``; ``None`` → ``—``."""
    if fen is None or fen == "":
        return EMPTY
    return format_fen(int(fen))


def fen_to_decimal(fen: int) -> Decimal:
    """Exact yuan for spreadsheets: ``104900`` → ``Decimal("1049.00")`` (never a float)."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def local_datetime(value: dt.datetime | dt.date | None) -> str:
    """An aware datetime in Beijing time as ``YYYY-MM-DD HH:mm``; a date as ``YYYY-MM-DD``."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def _is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def duration(seconds: float | int | dt.timedelta | None) -> str:
    """``8100`` → ``2 小时 15 分`` (``2 h 15 min`` in English): the two largest non-zero units, rounded down."""
    if seconds is None or seconds == "":
        return EMPTY
    if isinstance(seconds, dt.timedelta):
        seconds = seconds.total_seconds()
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    zh = _is_chinese()
    units = (
        (days, "天" if zh else "d"),
        (hours, "小时" if zh else "h"),
        (minutes, "分" if zh else "min"),
        (secs, "秒" if zh else "s"),
    )
    parts = [f"{amount} {unit}" for amount, unit in units if amount]
    if not parts:
        return "0 秒" if zh else "0 s"
    return sign + " ".join(parts[:2])


def percent_change(current: float | int | None, previous: float | int | None) -> float | None:
    """Period-over-period change in percent; ``None`` when there is no base to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous)) * 100


# A status value's tone (colour of its badge). Apps may pass a tone explicitly; these cover the common words.
TONES: dict[str, tuple[str, ...]] = {
    "success": (
        "approved",
        "active",
        "completed",
        "complete",
        "resolved",
        "done",
        "succeeded",
        "success",
        "published",
        "launched",
        "delivered",
        "refunded",
        "paid_out",
        "ok",
        "passed",
        "fulfilled",
        "closed_won",
        "enabled",
    ),
    "warning": (
        "pending",
        "waiting",
        "submitted",
        "in_review",
        "claimed",
        "queued",
        "awaiting",
        "waiting_merchant",
        "waiting_buyer",
        "pending_payment",
        "due_soon",
        "escalated",
        "on_hold",
        "paused",
        "scheduled",
    ),
    "danger": (
        "rejected",
        "failed",
        "error",
        "breached",
        "blocked",
        "refused",
        "overdue",
        "disputed",
        "late",
        "fraud",
        "suspended",
        "revoked",
        "expired",
    ),
    "info": ("paid", "shipped", "processing", "open", "in_progress", "running", "new", "accepted", "live"),
}
_TONE_OF = {value: tone for tone, values in TONES.items() for value in values}


def tone_of(value: object) -> str:
    """``"rejected"`` → ``"danger"``; unknown values are ``"neutral"``."""
    return _TONE_OF.get(str(value).lower(), "neutral")


def change_text(change: float | None) -> str:
    if change is None:
        return _("no comparison")
    return f"{change:+.1f}%"
