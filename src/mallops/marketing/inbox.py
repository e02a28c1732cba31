"""A campaign's messages in the buyer's inbox (storefront 我的 → 消息), read and marked read by the buyer.

A delivery reaches the inbox only when it was delivered (not a holdout row, not refused) and the buyer
gives marketing consent **now**: consent binds and fails closed (PIPL Art. 13-15), so a buyer who withdrew
it no longer sees the campaign messages received before (the rows stay for the campaign's results).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.audit.services import audit_record, audited
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.marketing.models import CampaignDelivery
from mallops.orders.permissions import require_buyer


def _visible(buyer: Any) -> QuerySet[CampaignDelivery]:
    rows = CampaignDelivery.objects.filter(buyer_id=buyer.pk, is_holdout=False, delivered_at__isnull=False)
    if buyer.pk not in consenting_user_ids([buyer.pk], Purpose.MARKETING):
        return rows.none()
    return rows


def buyer_messages(*, buyer: Any, limit: int = 100) -> list[CampaignDelivery]:
    """The buyer's campaign messages, newest first (none without marketing consent now)."""
    require_buyer(buyer)
    return list(_visible(buyer).select_related("campaign").order_by("-delivered_at", "-pk")[:limit])


def unread_messages(*, buyer: Any) -> int:
    require_buyer(buyer)
    return _visible(buyer).filter(read_at__isnull=True).count()


@audited()
def messages_mark_read(*, buyer: Any, now: datetime, delivery_id: int | None = None) -> int:
    """Mark the buyer's unread campaign messages read (one, or all without ``delivery_id``); another
    buyer's row is never touched. Returns how many changed; audited as ``marketing.message_read``."""
    require_buyer(buyer)
    rows = _visible(buyer).filter(read_at__isnull=True)
    if delivery_id is not None:
        rows = rows.filter(pk=delivery_id)
    changed = rows.update(read_at=now)
    if changed:
        audit_record(
            actor=buyer,
            action="marketing.message_read",
            obj=buyer,
            after={"delivery": delivery_id, "count": changed},
        )
    return changed
