"""Reads of flash sales for the API: a store's own (scoped to the caller's store) and operations'."""

from __future__ import annotations

from django.db.models import QuerySet

from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.orders.models import FlashSale


def actor_store(actor: Actor) -> int:
    """The merchant-side caller's store id after ``store.promotion.manage`` (404 ``merchant`` without one)."""
    require_permission(actor, "store.promotion.manage")
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def store_flash_sales(*, actor: Actor) -> QuerySet[FlashSale]:
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.for_merchant(actor_store(actor))
        .select_related("item")
        .order_by("-starts_at", "-pk")
    )
    return sales


def store_flash_sale(*, actor: Actor, sale_id: int) -> FlashSale:
    sale: FlashSale | None = store_flash_sales(actor=actor).filter(pk=sale_id).first()
    if sale is None:
        raise not_found("flash sale")
    return sale


def platform_flash_sale(*, actor: Actor, sale_id: int) -> FlashSale:
    require_permission(actor, "promotion.manage")
    sale: FlashSale | None = (
        FlashSale.objects.for_platform(actor, "promotion.manage")
        .select_related("item")
        .filter(pk=sale_id)
        .first()
    )
    if sale is None:
        raise not_found("flash sale")
    return sale
