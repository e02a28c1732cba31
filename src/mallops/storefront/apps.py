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


def _reindex_after_commit(product_id: int | None) -> None:
    """Re-index one product once the writing transaction commits (its search entry gets a new
    ``indexed_at``: the cached page and result lists that show it are read again)."""
    from django.db import transaction

    from mallops.storefront.services import search_index_product

    if product_id is None:
        return

    def reindex() -> None:
        try:
            search_index_product(product_id=product_id)
        except Exception:
            logging.getLogger(__name__).exception("search index of product %s failed", product_id)

    transaction.on_commit(reindex)


def _sku_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A catalogue SKU's price (``catalogue.services.sku_price_set``) or spec changed: the search card's
    price and the page's reference price come from the entry and the cached part."""
    _reindex_after_commit(instance.product_id)


def _review_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A review, follow-up, reply, question or answer was written or moderated (approved, hidden): the
    review score, the latest reviews and Q&A on the page, and the ranking's review factor change."""
    product_id = getattr(instance, "product_id", None)
    if product_id is None and getattr(instance, "review", None) is not None:
        product_id = instance.review.product_id
    if product_id is None and getattr(instance, "question", None) is not None:
        product_id = instance.question.product_id
    _reindex_after_commit(product_id)


def _promotion_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A promotion was written (created, launched, ended, deleted): every product it may cover shows its
    rules text on the page, so their entries get a new stamp (the store's, or all for a platform one)."""
    from django.db import transaction

    from mallops.storefront.pagecache import touch_products

    merchant_id = instance.merchant_id
    transaction.on_commit(lambda: touch_products(merchant_id=merchant_id))


def _category_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from django.db import transaction

    from mallops.storefront.pagecache import categories_changed

    categories_changed()  # now for this transaction's own reads, and after commit for the others'
    transaction.on_commit(categories_changed)


class StorefrontConfig(AppConfig):
    name = "mallops.storefront"
    label = "storefront"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(
            MenuItem(
                "storefront_ranking",
                _("Search ranking explained"),
                "storefront_console:ranking",
                "content.manage",
                group="marketing",
            )
        )

        post_save.connect(_listing_changed, sender="review.Listing", dispatch_uid="storefront.search_index")
        # the page cache's stamps (pagecache): derived data again, and these apps sit below the storefront
        post_save.connect(_sku_changed, sender="catalogue.Sku", dispatch_uid="storefront.cache.sku")
        for model in (
            "ProductReview",
            "ReviewPicture",
            "ReviewFollowUp",
            "ReviewReply",
            "ProductQuestion",
            "ProductAnswer",
        ):
            post_save.connect(
                _review_changed, sender=f"product_reviews.{model}", dispatch_uid=f"storefront.cache.{model}"
            )
        for signal in (post_save, post_delete):
            signal.connect(
                _promotion_changed, sender="pricing.Promotion", dispatch_uid="storefront.cache.promo"
            )
            signal.connect(
                _category_changed, sender="catalogue.Category", dispatch_uid="storefront.cache.cat"
            )
