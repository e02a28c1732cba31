from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "mallops.review"
    label = "review"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.orders.listings import register_listing_reads
        from mallops.review.order_reads import listing_status_subquery, live_product_ids
        from mallops.review.selectors import live_listing_texts

        # checkout, the cart quote and the stock list ask these (orders imports no review)
        register_listing_reads(live_product_ids=live_product_ids, status_subquery=listing_status_subquery)
        # the self-inspection screens these (compliance imports no review)
        register_source("live_listing_texts", live_listing_texts)

        register(
            MenuItem("review_queue", _("Listing review"), "review:queue", "listing.review", group="goods")
        )
        register(
            MenuItem("review_metrics", _("Review metrics"), "review:metrics", "listing.view", group="goods")
        )
        register(
            MenuItem(
                "platform_products",
                _("All products"),
                "review:platform_products",
                "listing.view",
                group="goods",
            )
        )
        register(
            MenuItem(
                "merchant_listings",
                _("My listings"),
                "review:merchant_listings",
                "store.listing.manage",
                group="goods",
            )
        )
        register(
            MenuItem(
                "merchant_products",
                _("My products"),
                "review:merchant_products",
                "store.listing.manage",
                group="goods",
            )
        )
        register(
            MenuItem(
                "merchant_certificates",
                _("Certificates"),
                "review:merchant_certificates",
                "store.listing.manage",
                group="goods",
            )
        )
        register(
            MenuItem(
                "merchant_import",
                _("Bulk import"),
                "review:merchant_import",
                "store.listing.manage",
                group="goods",
            )
        )
