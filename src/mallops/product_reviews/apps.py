from django.apps import AppConfig


class ProductReviewsConfig(AppConfig):
    name = "mallops.product_reviews"
    label = "product_reviews"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.product_reviews import personal_data
        from mallops.product_reviews.selectors import live_store_replies

        # the self-inspection screens these (compliance imports no product_reviews)
        register_source("live_store_replies", live_store_replies)

        personal_data.connect()  # reviews and Q&A in data-subject requests (dsr reads no reviews)
        register(
            MenuItem(
                "review_moderation",
                _("Review moderation"),
                "product_reviews:moderation",
                "content.manage",
                group="service",
            )
        )
        register(
            MenuItem(
                "store_reviews",
                _("Product reviews"),
                "product_reviews:store_reviews",
                "store.service.handle",
                group="service",
            )
        )
