from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "mallops.stores"
    label = "stores"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.accounts.services import STORE_NAME_CHECKS
        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.stores.screening import store_name_check
        from mallops.stores.selectors import live_store_texts

        # the self-inspection screens these (compliance imports no stores)
        register_source("live_store_texts", live_store_texts)

        # identity may not import a feature app, so the content check of store names is handed to it here
        if store_name_check not in STORE_NAME_CHECKS:
            STORE_NAME_CHECKS.append(store_name_check)
        register(
            MenuItem(
                "store_notice",
                _("Store announcement"),
                "stores:notice",
                "store.promotion.manage",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "store_notice_review",
                _("Store announcement review"),
                "stores:review_queue",
                "content.manage",
                group="risk",
            )
        )
