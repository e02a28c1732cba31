"""Build the immutable snapshot of a product for a listing version, and the context of its checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mallops.catalogue import selectors as catalogue
from mallops.catalogue.models import Product
from mallops.review.checks import CheckContext

REFERENCE_WINDOW = timedelta(days=7)


def build_snapshot(product: Product) -> dict[str, Any]:
    category = product.category
    return {
        "title": product.title,
        "category": category.code,
        "category_name": category.name,
        "selling_points": list(product.selling_points),
        "description": dict(product.description),
        "attributes": dict(product.attributes),
        "return_policy": product.return_policy,
        "return_exclusion": product.return_exclusion,
        "skus": [
            {
                "code": sku.code,
                "spec_values": dict(sku.spec_values),
                "price_fen": sku.price_fen,
                "reference_price_fen": sku.reference_price_fen,
                "stock": sku.stock,
            }
            for sku in catalogue.product_skus(product)
        ],
        "images": [
            {
                "url": image.url,
                "width": image.width,
                "height": image.height,
                "size_bytes": image.size_bytes,
                "angle": image.angle,
            }
            for image in catalogue.product_images(product)
        ],
    }


def check_context(product: Product, now: datetime) -> CheckContext:
    attributes, certificates = product.category.effective_schema()
    valid = catalogue.valid_certificates(merchant_id=product.merchant_id, product_id=product.pk, at=now)
    return CheckContext(
        required_attributes=attributes,
        required_certificates=certificates,
        valid_certificate_kinds=frozenset(c.kind for c in valid),
        compliance_category=product.category.compliance_category,
        lowest_price_7d={
            sku.code: catalogue.lowest_price_since(sku.pk, now - REFERENCE_WINDOW)
            for sku in catalogue.product_skus(product)
        },
    )
