"""Reads of flash sales for the merchant side, scoped to the caller's store."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.core.errors import not_found
from mallops.orders.models import FlashSale


def actor_store(actor: Any) -> int:
    """The merchant-side caller's store id after ``store.promotion.manage`` (404 ``merchant`` without one)."""
    require_permission(actor, "store.promotion.manage")
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def store_flash_sales(*, actor: Any) -> QuerySet[FlashSale]:
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.for_merchant(actor_store(actor))
        .select_related("item")
        .order_by("-starts_at", "-pk")
    )
    return sales
