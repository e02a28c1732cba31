from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "mallops.pricing"
    label = "pricing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.pricing import risk_counts
        from mallops.pricing.selectors import live_marketing_texts, live_price_findings

        # the self-inspection screens these (compliance imports no pricing)
        register_source("live_marketing_texts", live_marketing_texts)
        register_source("live_price_findings", live_price_findings)

        risk_counts.connect()  # risk's early-warning metrics count used coupons through this

        register(MenuItem("promotions", _("Promotions"), "pricing:list", "promotion.view", group="marketing"))
        register(
            MenuItem(
                "store_promotions",
                _("My promotions"),
                "pricing:list",
                "store.promotion.manage",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "coupon_batches",
                _("Platform coupons"),
                "pricing:coupon_batches",
                "promotion.view",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "campaigns", _("Campaign report"), "campaigns:campaigns", "promotion.view", group="marketing"
            )
        )
        register(
            MenuItem(
                "memberships",
                _("Membership grants"),
                "pricing:memberships",
                "promotion.view",
                group="marketing",
            )
        )
        # the merchant centre: its own store's pages (merchant roles hold store.promotion.manage, staff do not)
        register(
            MenuItem(
                "store_coupons",
                _("My store's coupons"),
                "pricing:store_coupons",
                "store.promotion.manage",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "store_campaigns",
                _("My campaign report"),
                "campaigns:store_campaigns",
                "store.promotion.manage",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "store_memberships",
                _("My store's members"),
                "pricing:memberships",
                "store.promotion.manage",
                group="marketing",
            )
        )
