from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "mallops.ops"
    label = "ops"
    verbose_name = "Operations: backups, restore drills, monitoring"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register
        from mallops.ops.views import VIEW_PERMISSION

        register(MenuItem("ops_backups", _("Backups"), "ops:backups", VIEW_PERMISSION, group="system"))
        register(MenuItem("ops_drills", _("Restore drills"), "ops:drills", VIEW_PERMISSION, group="system"))
        register(MenuItem("ops_incidents", _("Incidents"), "ops:incidents", VIEW_PERMISSION, group="system"))
        register(MenuItem("ops_releases", _("Releases"), "ops:releases", VIEW_PERMISSION, group="system"))
        register(MenuItem("ops_flags", _("Feature flags"), "ops:flags", VIEW_PERMISSION, group="system"))
        from mallops.accounts.actors import actor_of
        from mallops.ops import support

        register(
            MenuItem(
                "ops_support",
                _("Technical support"),
                "ops:support",
                group="system",
                # menu cost per page: no query to show the item (kind and permissions are loaded
                # already); the unread count only for technical operations, who act on the notices
                badge=lambda user: (
                    support.notices_unread_count(user) if support.is_handler(actor_of(user)) else 0
                ),
                visible=lambda user: getattr(user, "kind", None) in ("staff", "merchant"),
            )
        )
