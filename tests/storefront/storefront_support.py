"""Helpers of the storefront tests: a live listing (approved snapshot) of a catalogue product whose SKUs
have stock rows, written as rows (the review flow has its own tests)."""

from __future__ import annotations

import itertools
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.models import Merchant
from mallops.catalogue.models import Category, Product, Sku
from mallops.catalogue.selectors import product_content
from mallops.orders import stock
from mallops.review.models import Listing, ListingStatus, ListingVersion, VersionStatus
from mallops.review.snapshots import build_snapshot

_seq = itertools.count(1)


def live_product(
    merchant: Merchant,
    *,
    title: str = "不锈钢保温杯 500ml",
    skus: tuple[tuple[dict[str, str], int, int | None, int], ...] = (
        ({"颜色": "白"}, 9900, 12900, 50),
        ({"颜色": "黑"}, 9900, None, 3),
    ),
    live: bool = True,
) -> tuple[Product, list[Sku]]:
    """A product with ``skus`` as (spec, price fen, reference price fen, stock), listed live."""
    n = next(_seq)
    product = Product.objects.create(
        merchant=merchant,
        category=Category.objects.order_by("pk").first(),
        title=title,
        selling_points=["316 不锈钢内胆"],
    )
    rows = [
        Sku.objects.create(
            merchant=merchant,
            product=product,
            code=f"SF{n}-{i}",
            spec_values=spec,
            price_fen=price,
            reference_price_fen=reference,
            stock=units,
        )
        for i, (spec, price, reference, units) in enumerate(skus)
    ]
    with transaction.atomic():  # it locks the stock rows (a browser test runs in autocommit)
        stock.catalogue_sync(rows)
    listing = Listing.objects.create(merchant=merchant, product=product, status=ListingStatus.DRAFT)
    version = ListingVersion.objects.create(
        merchant=merchant,
        listing=listing,
        number=1,
        snapshot=build_snapshot(product_content(merchant_id=merchant.pk, product_id=product.pk)),
        status=VersionStatus.APPROVED if live else VersionStatus.QUEUED,
        submitted_at=timezone.now(),
    )
    if live:
        listing.status = ListingStatus.LIVE
        listing.live_version = version
        listing.save(update_fields=["status", "live_version"])
    return product, rows


def cart_post(client: Any, sku: str, qty: int = 1) -> Any:
    return client.post("/shop/cart/add/", {"sku": sku, "qty": qty})
