"""Build the immutable snapshot of a product for a listing version, and the context of its checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mallops.catalogue import selectors as catalogue
from mallops.catalogue.contracts import ProductContent
from mallops.review.checks import CheckContext

REFERENCE_WINDOW = timedelta(days=7)


def build_snapshot(product: ProductContent) -> dict[str, Any]:
    """The snapshot of a product's content (``catalogue.selectors.product_content``), stored on a version."""
    return {
        "title": product.title,
        "category": product.category_code,
        "category_name": product.category_name,
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
            for sku in product.skus
        ],
        "images": [
            {
                "url": image.url,
                "width": image.width,
                "height": image.height,
                "size_bytes": image.size_bytes,
                "angle": image.angle,
            }
            for image in product.images
        ],
    }


def check_context(product: ProductContent, now: datetime) -> CheckContext:
    """The context of the automated checks; ``product`` read ``with_schema``."""
    if product.required_attributes is None or product.required_certificates is None:
        raise ValueError("check_context needs the product content read with_schema=True")
    valid = catalogue.valid_certificates(merchant_id=product.merchant_id, product_id=product.id, at=now)
    return CheckContext(
        required_attributes=product.required_attributes,
        required_certificates=product.required_certificates,
        valid_certificate_kinds=frozenset(c.kind for c in valid),
        compliance_category=product.compliance_category,
        lowest_price_7d={
            sku.code: catalogue.lowest_price_since(sku.id, now - REFERENCE_WINDOW) for sku in product.skus
        },
    )
