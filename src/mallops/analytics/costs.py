"""Cost inputs (R3.4.1): advertising, logistics and customer-service spend per period, typed in 元.

An entry covers the days ``start_on..end_on`` (Asia/Shanghai, both included). The KPIs read it as one
``cost`` fact per day: :func:`daily_split` spreads the amount in whole fen, the remainder fen going to the
first days, so the days of any KPI period add up exactly and a whole entry adds up to its amount. The cost
per order and the ROI on the KPI page (:mod:`.metrics`) are computed from these facts.

Writes (:func:`cost_entry_create`) need ``analytics.manage``, run in one transaction and are audited.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.db import transaction
from django.db.models import QuerySet

from mallops.accounts.services import require_permission
from mallops.analytics.models import CostEntry
from mallops.analytics.selectors import to_us
from mallops.analytics.store.events import SHANGHAI, shanghai_day
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, validation_error

MAX_DAYS: Final = 366
MAX_AMOUNT_FEN: Final = 10**14  # ¥1 trillion: a typo guard, not a business rule
COST_ACTOR: Final = "$cost"  # the distinct_id of cost rows (never a visitor)

Row = tuple[str, str, int, dict[str, Any]]


def daily_split(amount_fen: int, days: int) -> list[int]:
    """``amount_fen`` over ``days`` days in whole fen: equal shares, one more fen on each of the first
    ``amount_fen % days`` days. The parts add up to ``amount_fen`` exactly."""
    if days <= 0:
        raise ValueError("days must be positive")
    share, remainder = divmod(amount_fen, days)
    return [share + 1 if index < remainder else share for index in range(days)]


def _day_start_us(day: date) -> int:
    return to_us(datetime.combine(day, time(), SHANGHAI))


def cost_rows(from_us: int, to_us_: int) -> list[Row]:
    """One ``cost`` row per day and entry for the Shanghai days that start in ``[from_us, to_us_)``."""
    if to_us_ <= from_us:
        return []
    first = date(1970, 1, 1) + timedelta(days=shanghai_day(from_us))
    last = date(1970, 1, 1) + timedelta(days=shanghai_day(to_us_ - 1))
    rows: list[Row] = []
    for entry in CostEntry.objects.filter(start_on__lte=last, end_on__gte=first).order_by("start_on", "pk"):
        days = (entry.end_on - entry.start_on).days + 1
        for offset, fen in enumerate(daily_split(int(entry.amount_fen), days)):
            day = entry.start_on + timedelta(days=offset)
            start = _day_start_us(day)
            if fen and from_us <= start < to_us_:
                rows.append(
                    (
                        COST_ACTOR,
                        "cost",
                        start,
                        {"category": entry.category, "amount_fen": fen, "entry": entry.pk},
                    )
                )
    rows.sort(key=lambda row: row[2])
    return rows


def cost_entries() -> QuerySet[CostEntry]:
    """Every cost entry, newest period first (platform-wide figures: not merchant data)."""
    return CostEntry.objects.select_related("created_by").order_by("-start_on", "-pk")


@transaction.atomic
def cost_entry_create(
    *,
    actor: Actor,
    category: str,
    start_on: date,
    end_on: date,
    amount_fen: int,
    note: str = "",
    request: Any = None,
) -> CostEntry:
    """Record a period's spend of one category (``analytics.manage``); audited.

    Errors (422, field paths under ``body``): unknown category, ``end_on`` before ``start_on``, a period
    longer than 366 days or outside 1971-2199, an amount below 0 or above ¥1 trillion, a note over 200.
    """
    require_permission(actor, "analytics.manage")
    errors: list[FieldError] = []
    if category not in CostEntry.Category.values:
        errors.append(
            FieldError(("body", "category"), f"One of {', '.join(CostEntry.Category.values)}.", "choice")
        )
    if not date(1971, 1, 1) <= start_on <= date(2199, 12, 31):
        errors.append(FieldError(("body", "start_on"), "Between 1971 and 2199.", "range"))
    if end_on < start_on:
        errors.append(FieldError(("body", "end_on"), "The period ends before it starts.", "range"))
    elif (end_on - start_on).days >= MAX_DAYS or end_on > date(2199, 12, 31):
        errors.append(FieldError(("body", "end_on"), f"At most {MAX_DAYS} days, until 2199.", "range"))
    if not 0 <= amount_fen <= MAX_AMOUNT_FEN:
        errors.append(FieldError(("body", "amount_fen"), "From 0 to 1 trillion yuan.", "range"))
    if len(note) > 200:
        errors.append(FieldError(("body", "note"), "At most 200 characters.", "max_length"))
    if errors:
        raise validation_error(errors)
    entry = CostEntry(
        category=category,
        start_on=start_on,
        end_on=end_on,
        amount_fen=amount_fen,
        note=note.strip(),
        created_by_id=actor.user_id or 0,  # require_permission: signed in
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="analytics.cost_create",
        obj=entry,
        before=None,
        after={
            "category": category,
            "start_on": start_on.isoformat(),
            "end_on": end_on.isoformat(),
            "amount_fen": amount_fen,
            "note": entry.note,
        },
    )
    return entry


@transaction.atomic
def cost_entry_delete(*, actor: Actor, entry_id: int, reason: str) -> None:
    """Remove a mistaken entry (``analytics.manage``); the audit event keeps what it held and why.

    Errors: 422 without a reason (or one over 200 characters), 404 for an unknown entry.
    """
    from mallops.core.errors import not_found

    require_permission(actor, "analytics.manage")
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise validation_error(
            [FieldError(("body", "reason"), "A reason of 1 to 200 characters.", "required")]
        )
    entry = (
        CostEntry.objects.select_for_update().filter(pk=entry_id).first() if 0 < entry_id < 2**63 else None
    )
    if entry is None:
        raise not_found("cost entry")
    before = {**cost_entry_as_dict(entry), "reason": reason}
    before.pop("created_at")
    audit_record(actor=actor, action="analytics.cost_delete", obj=entry, before=before, after=None)
    entry.delete()


def cost_entry_as_dict(entry: CostEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "category": entry.category,
        "start_on": entry.start_on.isoformat(),
        "end_on": entry.end_on.isoformat(),
        "amount_fen": int(entry.amount_fen),
        "note": entry.note,
        "created_at": entry.created_at.isoformat(),
    }
