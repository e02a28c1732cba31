"""Rows the tenancy walk needs from the catalogue and review (tests/tenancy/test_fail_closed.py).

It lives in review, which may use the catalogue, so that the catalogue's fixtures do not reach up into
review (ADR 0006).
"""

from __future__ import annotations

from mallops.catalogue import selectors as catalogue_selectors
from mallops.catalogue import services as catalogue_services
from mallops.catalogue.fixtures import certify, make_product
from mallops.core.actors import SYSTEM
from mallops.review import services as review_services


def listing_walk_rows(merchant_id: int) -> dict[str, int]:
    """Rows for the tenancy walk: a product with SKUs, a submitted listing, a certificate and a
    notification. Returns the path-parameter ids (``product_id``, ``sku_id``, ``listing_id``, ``image_id``,
    ``certificate_id``)."""
    product = make_product(merchant_id, "cosmetics")
    certificates = certify(merchant_id, "cosmetics")
    catalogue_services.notification_create(merchant_id=merchant_id, kind="test", subject="walk", data={})
    listing = review_services.listing_create(actor=SYSTEM, merchant_id=merchant_id, product_id=product.pk)
    review_services.listing_submit(actor=SYSTEM, merchant_id=merchant_id, listing_id=listing.pk)
    sku = catalogue_selectors.product_skus(product, active_only=False)[0]
    image = catalogue_selectors.product_images(product)[0]
    return {
        "product_id": product.pk,
        "sku_id": sku.pk,
        "listing_id": listing.pk,
        "image_id": image.pk,
        "certificate_id": certificates[0].pk,
    }
