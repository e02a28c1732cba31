"""Reads of the content calendar (R4.4.1): every read requires ``content.manage`` (the posts are the
platform's own; no merchant sees them)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from mallops.accounts.services import require_permission
from mallops.content.models import ContentPost, LuckyDraw, LuckyEntrant, LuckyWinner
from mallops.core.actors import Actor
from mallops.core.errors import not_found

PERMISSION = "content.manage"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def posts(*, actor: Actor, platform: str = "", status: str = "") -> QuerySet[ContentPost]:
    """Every post, earliest scheduled first (unscheduled last), optionally of one platform or status."""
    require_permission(actor, PERMISSION)
    rows = ContentPost.objects.select_related("owner")
    if platform:
        rows = rows.filter(platform=platform)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("scheduled_at", "pk")


def post(*, actor: Actor, post_id: int) -> ContentPost:
    require_permission(actor, PERMISSION)
    row = (
        ContentPost.objects.select_related("owner", "submitted_by", "approved_by").filter(pk=post_id).first()
    )
    if row is None:
        raise not_found("content post")
    return row


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    posts: tuple[ContentPost, ...]


@dataclass(frozen=True)
class CalendarMonth:
    year: int
    month: int
    weeks: tuple[tuple[CalendarDay, ...], ...]  # Monday first, whole weeks around the month
    unscheduled: int  # posts with no time yet (not on the grid)


def calendar_month(*, actor: Actor, year: int, month: int, platform: str = "") -> CalendarMonth:
    """The month grid in Asia/Shanghai: each day holds the posts scheduled on that local day, in time
    order. The query spans the whole weeks shown (local midnight to local midnight, stored in UTC)."""
    require_permission(actor, PERMISSION)
    grid = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = grid[0][0], grid[-1][-1]
    start = datetime.combine(first, time.min, tzinfo=SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    rows = ContentPost.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end)
    if platform:
        rows = rows.filter(platform=platform)
    by_day: dict[date, list[ContentPost]] = {}
    for row in rows.order_by("scheduled_at", "pk"):
        assert row.scheduled_at is not None
        by_day.setdefault(row.scheduled_at.astimezone(SHANGHAI).date(), []).append(row)
    unscheduled = ContentPost.objects.filter(scheduled_at__isnull=True)
    if platform:
        unscheduled = unscheduled.filter(platform=platform)
    return CalendarMonth(
        year=year,
        month=month,
        weeks=tuple(
            tuple(CalendarDay(day=d, in_month=d.month == month, posts=tuple(by_day.get(d, []))) for d in week)
            for week in grid
        ),
        unscheduled=unscheduled.count(),
    )


def draws(*, actor: Actor) -> QuerySet[LuckyDraw]:
    """Every lucky draw, newest first, annotated with ``prize_cost_fen`` (market value of the prizes
    awarded; 0 before the draw) and ``entrant_count``."""
    require_permission(actor, PERMISSION)
    cost = (
        LuckyWinner.objects.filter(draw=OuterRef("pk"))
        .values("draw")
        .annotate(total=Sum("prize__value_fen"))
        .values("total")
    )
    entrants = (
        LuckyEntrant.objects.filter(draw=OuterRef("pk")).values("draw").annotate(n=Count("pk")).values("n")
    )
    return LuckyDraw.objects.annotate(
        prize_cost_fen=Coalesce(Subquery(cost), Value(0), output_field=BigIntegerField()),
        entrant_count=Coalesce(Subquery(entrants), Value(0), output_field=BigIntegerField()),
    ).order_by("-pk")


def lucky_draw(*, actor: Actor, draw_id: int) -> LuckyDraw:
    """One lucky draw with the annotations of ``draws``. Errors: 404, 403."""
    row = draws(actor=actor).filter(pk=draw_id).first()
    if row is None:
        raise not_found("lucky draw")
    return row
