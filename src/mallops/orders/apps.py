from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "mallops.orders"
    label = "orders"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.catalogue.services import register_skus_written_hook
        from mallops.console.navigation import MenuItem, register
        from mallops.orders import risk_counts
        from mallops.orders.flash import tokens
        from mallops.orders.stock import catalogue_sync

        tokens.connect()  # bearer tokens cached in Redis for the flash fast path, revoked at once
        # a catalogue SKU write creates or updates its stock row (the catalogue does not import orders)
        register_skus_written_hook(catalogue_sync)
        risk_counts.connect()  # risk's early-warning metrics count orders through this (risk imports no orders)

        register(MenuItem("orders", _("Orders"), "orders:list", "order.view", group="trade"))
        register(
            MenuItem(
                "merchant_orders",
                _("My store's orders"),
                "orders:merchant",
                "store.order.manage",
                group="trade",
            )
        )
        # merchant roles that may manage stock: the stock API asks for store.order.manage
        register(
            MenuItem(
                "merchant_stock",
                _("My store's stock"),
                "orders:merchant_stock",
                "store.order.manage",
                group="goods",
            )
        )
        register(
            MenuItem(
                "merchant_shipping_rule",
                _("Shipping rule"),
                "orders:merchant_shipping_rule",
                "store.order.manage",
                group="trade",
            )
        )
        register(
            MenuItem("flash_sales", _("Flash sales"), "orders:flash", "promotion.view", group="marketing")
        )
        register(
            MenuItem(
                "store_flash_sales",
                _("My flash sales"),
                "orders:store_flash",
                "store.promotion.manage",
                group="marketing",
            )
        )
