"""Points timers (R2.3.1). Each handler takes its row out of the due set, so a rerun does nothing twice;
a worker outage only delays them (the next run finds everything past due).

``membership.points_earn``: a paid order whose points were not earned yet → earned (frozen).
``membership.points_settle``: an order refunded (more) or cancelled since → points given back / taken back.
``membership.points_unfreeze``: ``unfreeze_due_at`` passed → unfrozen (or the timer moves on).
``membership.points_expiry_notice``: ``notice_due_at`` passed → the buyer is told what expires next.
``membership.points_expire``: ``expiry_due_at`` passed → expired points removed, the timer moves on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.core.sweeps import register
from mallops.membership import points
from mallops.membership.models import PointsAccount, PointsOrder


def _unfreeze_due(now: datetime) -> QuerySet[Any]:
    return PointsOrder.objects.filter(unfreeze_due_at__lte=now)


def _notice_due(now: datetime) -> QuerySet[Any]:
    return PointsAccount.objects.filter(notice_due_at__lte=now)


def _expiry_due(now: datetime) -> QuerySet[Any]:
    return PointsAccount.objects.filter(expiry_due_at__lte=now)


def _notice(row: PointsAccount, now: datetime) -> None:
    points.points_expiry_notice(row, now)


register("membership.points_earn", queryset=points.earn_due, handle=points.points_earn_sweep)
register("membership.points_settle", queryset=points.settle_due, handle=points.points_settle)
register("membership.points_unfreeze", queryset=_unfreeze_due, handle=points.points_unfreeze)
register("membership.points_expiry_notice", queryset=_notice_due, handle=_notice)
register("membership.points_expire", queryset=_expiry_due, handle=points.points_expire)
