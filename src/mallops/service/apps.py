from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "mallops.service"
    label = "service"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.compliance.sources import register_source
        from mallops.console.navigation import MenuItem, register
        from mallops.service import personal_data
        from mallops.service.selectors import live_reply_templates

        # the self-inspection screens these (compliance imports no service)
        register_source("live_reply_templates", live_reply_templates)

        personal_data.connect()  # tickets in data-subject requests and retention (dsr reads no tickets)
        register(MenuItem("service", _("Service desk"), "service:queue", "ticket.handle", group="service"))
        register(
            MenuItem(
                "service_dashboard",
                _("Service KPIs"),
                "service:dashboard",
                "ticket.supervise",
                group="service",
            )
        )
        register(
            MenuItem(
                "service_procedures",
                _("Standard procedures"),
                "service:procedures",
                "ticket.handle",
                group="service",
            )
        )
        register(
            MenuItem(
                "service_training",
                _("Agent training"),
                "service:training",
                "ticket.supervise",
                group="service",
            )
        )
        for key, title, url in (
            ("service_agents", _("Agent profiles"), "service:agents"),
            ("service_replies", _("Reply library"), "service:replies"),
            ("service_sla", _("SLA policies"), "service:sla"),
            ("service_escalation", _("Complaint escalation"), "service:escalation"),
        ):
            register(MenuItem(key, title, url, "ticket.supervise", group="service"))
        register(
            MenuItem(
                "store_service",
                _("My store's tickets"),
                "service:store_queue",
                "store.service.handle",
                group="service",
            )
        )
        from mallops.service import task_links

        task_links.connect()
        from mallops.service.notifications import unread_count

        register(MenuItem("notifications", _("Notifications"), "service:inbox", badge=unread_count))
        from mallops.service.sla import refresh_for_years
        from mallops.workdays.services import calendar_changed

        calendar_changed.connect(refresh_for_years, dispatch_uid="service.refresh_for_years")
        register(
            MenuItem(
                "calendar", _("Working-day calendar"), "workdays:admin", "calendar.manage", group="system"
            )
        )
