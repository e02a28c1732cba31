from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "mallops.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(
            MenuItem(
                "categories", _("Categories"), "catalogue:category_list", "catalogue.manage", group="goods"
            )
        )
