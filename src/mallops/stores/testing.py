"""Rows for tests of store texts."""

from __future__ import annotations

from django.utils import timezone

from mallops.accounts.models import Merchant
from mallops.stores.models import NoticeStatus, StoreNotice


def walk_rows(merchant: Merchant) -> dict[str, int]:
    """A live announcement of ``merchant``: ``{"notice_id"}``."""
    notice = StoreNotice.objects.create(
        merchant=merchant, text="国庆期间正常发货", status=NoticeStatus.LIVE, submitted_at=timezone.now()
    )
    return {"notice_id": notice.pk}
