"""Reads of store texts: a store's announcement versions, the review queue, and every live store text for
the compliance self-inspection (R7.1.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from mallops.accounts.models import Merchant
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.stores.models import NoticeStatus, StoreNameDecision, StoreNotice
from mallops.stores.screening import text_findings
from mallops.stores.services import REVIEW_PERMISSION, _merchant_id


@dataclass(frozen=True, slots=True)
class LiveStoreText:
    """One active store's name and its live announcement (``notice_id`` None when it has none)."""

    merchant_id: int
    name: str
    notice_id: int | None
    notice: str


def my_notices(*, actor: Actor) -> QuerySet[StoreNotice]:
    """The actor's store's announcement versions, newest first."""
    rows: QuerySet[StoreNotice] = StoreNotice.objects.for_merchant(_merchant_id(actor)).order_by("-pk")
    return rows


def live_notice(*, merchant_id: int) -> StoreNotice | None:
    """What buyers see on the store page."""
    row: StoreNotice | None = (
        StoreNotice.objects.for_merchant(merchant_id).filter(status=NoticeStatus.LIVE).first()
    )
    return row


def pending_notices(*, actor: Actor) -> QuerySet[StoreNotice]:
    """Announcements waiting for content operations, oldest first."""
    require_permission(actor, REVIEW_PERMISSION)
    rows: QuerySet[StoreNotice] = (
        StoreNotice.objects.for_platform(actor, REVIEW_PERMISSION)
        .filter(status=NoticeStatus.PENDING)
        .select_related("merchant")
        .order_by("submitted_at", "pk")
    )
    return rows


def live_store_texts() -> list[LiveStoreText]:
    """Every active store's name and live announcement (a platform job: unscoped, and says why)."""
    notices = {
        row.merchant_id: row
        for row in StoreNotice.objects.unscoped(reason="compliance self-inspection").filter(
            status=NoticeStatus.LIVE
        )
    }
    out = []
    for merchant_id, name in Merchant.objects.filter(is_active=True).order_by("pk").values_list("pk", "name"):
        notice = notices.get(merchant_id)
        out.append(
            LiveStoreText(merchant_id, name, notice.pk if notice else None, notice.text if notice else "")
        )
    return out


@dataclass(frozen=True, slots=True)
class PendingStoreName:
    """An active store whose current name has compliance findings and no decision yet."""

    merchant_id: int
    name: str
    findings: list[dict[str, Any]]


def pending_store_names(*, actor: Actor) -> list[PendingStoreName]:
    """Store names waiting for content operations (``content.manage``), in store order: every active store
    whose current name the rule packs in force find something in, unless that exact name was decided."""
    require_permission(actor, REVIEW_PERMISSION)
    decided = set(
        StoreNameDecision.objects.for_platform(actor, REVIEW_PERMISSION).values_list("merchant_id", "name")
    )
    out = []
    for merchant_id, name in Merchant.objects.filter(is_active=True).order_by("pk").values_list("pk", "name"):
        if (merchant_id, name) in decided:
            continue
        findings = text_findings("title", name)
        if findings:
            out.append(PendingStoreName(merchant_id, name, findings))
    return out
