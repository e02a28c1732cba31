"""Catalogue reads, scoped to a merchant (or to a job with a stated reason)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from mallops.catalogue.models import (
    Category,
    Certificate,
    MerchantNotification,
    PriceHistory,
    Product,
    ProductImage,
    Sku,
)
from mallops.core.errors import not_found


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("code")


def product_list(*, merchant_id: int) -> QuerySet[Product]:
    products: QuerySet[Product] = (
        Product.objects.for_merchant(merchant_id).select_related("category").order_by("-pk")
    )
    return products


def product_get(*, merchant_id: int, product_id: int) -> Product:
    product: Product | None = (
        Product.objects.for_merchant(merchant_id).select_related("category").filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("product")
    return product


def product_skus(product: Product, *, active_only: bool = True) -> list[Sku]:
    qs = Sku.objects.for_merchant(product.merchant_id).filter(product_id=product.pk)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("pk"))


def product_images(product: Product) -> list[ProductImage]:
    return list(ProductImage.objects.for_merchant(product.merchant_id).filter(product_id=product.pk))


def certificate_list(*, merchant_id: int) -> QuerySet[Certificate]:
    certificates: QuerySet[Certificate] = Certificate.objects.for_merchant(merchant_id).order_by("-pk")
    return certificates


def valid_certificates(*, merchant_id: int, product_id: int, at: datetime | None = None) -> list[Certificate]:
    """Unexpired certificates covering the product: its own and the store-wide ones."""
    from mallops.catalogue.services import expiry_instant

    at = at or timezone.now()
    rows = (
        Certificate.objects.for_merchant(merchant_id)
        .filter(Q(product_id=product_id) | Q(product__isnull=True), expired=False)
        .order_by("pk")
    )
    return [row for row in rows if expiry_instant(row.expires_on) > at]


def lowest_price_since(sku_id: int, since: datetime) -> int | None:
    """The lowest price (fen) the SKU has had at any moment from ``since`` until now, or None when it
    has no price history. The price in force at ``since`` counts (the last change before it)."""
    history = PriceHistory.objects.unscoped(reason="price reference check").filter(sku_id=sku_id)
    in_force = history.filter(changed_at__lte=since).order_by("-changed_at", "-pk").first()
    later = history.filter(changed_at__gt=since).aggregate(low=Min("price_fen"))["low"]
    candidates = [p for p in (in_force.price_fen if in_force else None, later) if p is not None]
    return min(candidates) if candidates else None


def notification_list(*, merchant_id: int) -> QuerySet[MerchantNotification]:
    rows: QuerySet[MerchantNotification] = MerchantNotification.objects.for_merchant(merchant_id)
    return rows


def sku_exists(*, merchant_id: int, sku_id: int) -> bool:
    return bool(Sku.objects.for_merchant(merchant_id).filter(pk=sku_id).exists())
