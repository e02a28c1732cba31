from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "mallops.aftersales"
    label = "aftersales"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.aftersales import personal_data, risk_counts
        from mallops.console.navigation import MenuItem, register

        risk_counts.connect()  # risk's early-warning metrics count requests and disputes through this
        personal_data.connect()  # requests in data-subject requests and retention (dsr reads no after-sales)

        register(
            MenuItem(
                "aftersales",
                _("After-sales and disputes"),
                "aftersales:queue",
                "aftersales.handle",
                group="service",
            )
        )
        register(
            MenuItem(
                "merchant_aftersales",
                _("My store's after-sales"),
                "aftersales:merchant",
                "store.service.handle",
                group="service",
            )
        )
