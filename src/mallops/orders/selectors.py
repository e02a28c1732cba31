"""Order reads, always scoped: the merchant's own, the buyer's own, or the platform's with order.view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.core.errors import not_found
from mallops.orders.checkout import require_buyer
from mallops.orders.models import FlashSale, Order, OrderLine, StockItem


def with_lines(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Prefetch lines (scoped through their already scoped orders)."""
    lines = OrderLine.objects.unscoped(reason="lines of orders already scoped").order_by("pk")
    return qs.prefetch_related(Prefetch("lines", queryset=lines))


def order_lines(order: Order) -> list[OrderLine]:
    """An order's lines: the prefetched ones, else read in the order's own merchant scope."""
    cache = getattr(order, "_prefetched_objects_cache", {})
    if "lines" in cache:
        return list(cache["lines"])
    return list(order.lines.for_merchant(order.merchant_id).order_by("pk"))


def merchant_id_of(actor: Any) -> int:
    require_permission(actor, "store.order.manage")
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def _filter(qs: QuerySet[Order], status: str = "", since: datetime | None = None) -> QuerySet[Order]:
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-created_at", "-pk")


def merchant_orders(*, actor: Any, status: str = "", since: datetime | None = None) -> QuerySet[Order]:
    return with_lines(_filter(Order.objects.for_merchant(merchant_id_of(actor)), status, since))


def merchant_order_get(*, actor: Any, order_id: int) -> Order:
    order = merchant_orders(actor=actor).filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    return order


def merchant_stock(*, actor: Any) -> QuerySet[StockItem]:
    items: QuerySet[StockItem] = StockItem.objects.for_merchant(merchant_id_of(actor)).order_by("sku_code")
    return items


def buyer_orders(*, actor: Any, status: str = "") -> QuerySet[Order]:
    require_buyer(actor)
    qs = Order.objects.unscoped(reason="the buyer's own orders").filter(buyer_id=actor.pk)
    return with_lines(_filter(qs, status))


def buyer_order_get(*, actor: Any, order_id: int) -> Order:
    order = buyer_orders(actor=actor).filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    return order


def platform_orders(
    *, actor: Any, status: str = "", merchant_id: int | None = None, since: datetime | None = None
) -> QuerySet[Order]:
    require_permission(actor, "order.view")
    qs = Order.objects.for_platform(actor, "order.view")
    if merchant_id is not None:
        qs = qs.filter(merchant_id=merchant_id)
    return with_lines(_filter(qs, status, since))


def flash_sales(*, actor: Any) -> QuerySet[FlashSale]:
    require_permission(actor, "promotion.view")
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.for_platform(actor, "promotion.view").select_related("item").order_by("-starts_at")
    )
    return sales


def flash_sales_public(now: datetime) -> QuerySet[FlashSale]:
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.unscoped(reason="public list of running flash sales")
        .filter(ends_at__gt=now, finalized=False)
        .select_related("item")
        .order_by("starts_at")
    )
    return sales
