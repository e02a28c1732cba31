"""The buyer's own membership notices (tier changes, points about to expire, birthday gifts), read and
marked read by the buyer (storefront 我的 → 消息).

Each notice kind keeps its row (``MemberNotice``, ``PointsNotice``, ``BirthdayGift``); this module reads
them as one list and marks them read, always for the signed-in buyer only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model

from mallops.audit.services import audit_record, audited
from mallops.membership.models import BirthdayGift, MemberNotice, PointsNotice
from mallops.orders.permissions import require_buyer

KINDS: dict[str, type[Model]] = {"tier": MemberNotice, "points": PointsNotice, "birthday": BirthdayGift}


@dataclass(frozen=True)
class Notice:
    kind: str  # tier | points | birthday
    id: int
    title: str
    at: datetime
    read_at: datetime | None


def buyer_notices(*, buyer: Any, limit: int = 100) -> list[Notice]:
    """The buyer's membership notices, newest first (at most ``limit`` of each kind)."""
    require_buyer(buyer)
    out: list[Notice] = []
    for kind, model in KINDS.items():
        rows = model.objects.filter(buyer_id=buyer.pk).order_by("-created_at", "-pk")  # type: ignore[attr-defined]
        out += [
            Notice(kind, pk, title, at, read_at)
            for pk, title, at, read_at in rows.values_list("pk", "title", "created_at", "read_at")[:limit]
        ]
    return sorted(out, key=lambda n: (n.at, n.id), reverse=True)


def unread_notices(*, buyer: Any) -> int:
    require_buyer(buyer)
    return sum(
        m.objects.filter(buyer_id=buyer.pk, read_at__isnull=True).count()  # type: ignore[attr-defined]
        for m in KINDS.values()
    )


@audited()
def notices_mark_read(*, buyer: Any, now: datetime, kind: str = "", notice_id: int | None = None) -> int:
    """Mark the buyer's unread notices read: one (``kind`` and ``notice_id``) or all (neither). Another
    buyer's notice is never touched (0). Returns how many changed; audited as ``membership.notices_read``
    when any did."""
    require_buyer(buyer)
    changed = 0
    for name, model in KINDS.items():
        if kind and name != kind:
            continue
        rows = model.objects.filter(buyer_id=buyer.pk, read_at__isnull=True)  # type: ignore[attr-defined]
        if notice_id is not None:
            rows = rows.filter(pk=notice_id)
        changed += rows.update(read_at=now)
    if changed:
        audit_record(
            actor=buyer,
            action="membership.notices_read",
            obj=buyer,
            after={"kind": kind or "all", "notice": notice_id, "count": changed},
        )
    return changed


def buyer_birthday_gifts(*, buyer: Any, limit: int = 20) -> list[BirthdayGift]:
    """The birthday gifts the buyer received, newest first."""
    require_buyer(buyer)
    return list(BirthdayGift.objects.filter(buyer_id=buyer.pk).order_by("-year", "-pk")[:limit])
