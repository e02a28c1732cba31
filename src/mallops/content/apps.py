from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "mallops.content"
    label = "content"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(
            MenuItem(
                "content_calendar",
                _("Content calendar"),
                "content:calendar",
                "content.manage",
                group="marketing",
            )
        )
        register(
            MenuItem("content_draws", _("Lucky draws"), "content:draws", "content.manage", group="marketing")
        )
        register(
            MenuItem(
                "content_posts", _("Content posts"), "content:posts", "content.manage", group="marketing"
            )
        )
