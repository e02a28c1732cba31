from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "mallops.pricing"
    label = "pricing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(MenuItem("promotions", _("Promotions"), "pricing:list", "promotion.view"))
        register(MenuItem("store_promotions", _("My promotions"), "pricing:list", "store.promotion.manage"))
        register(
            MenuItem("coupon_batches", _("Platform coupons"), "pricing:coupon_batches", "promotion.view")
        )
