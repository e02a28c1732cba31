import logging
from typing import Any

from django.apps import AppConfig


def _listing_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Keep the search index in line with listings: after the listing's transaction commits, re-index its
    product (written when live, removed when taken down, delisted or replaced). The index is derived data,
    so this is a signal (review must not import the storefront, which sits above it in ADR 0006)."""
    from django.db import transaction

    from mallops.storefront.services import search_index_product

    product_id = instance.product_id

    def reindex() -> None:
        try:
            search_index_product(product_id=product_id)
        except Exception:  # the listing change stands; search_reindex repairs the entry
            logging.getLogger(__name__).exception("search index of product %s failed", product_id)

    transaction.on_commit(reindex)


class StorefrontConfig(AppConfig):
    name = "mallops.storefront"
    label = "storefront"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        post_save.connect(_listing_changed, sender="review.Listing", dispatch_uid="storefront.search_index")
