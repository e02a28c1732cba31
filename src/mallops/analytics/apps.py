from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "mallops.analytics"
    label = "analytics"

    def ready(self) -> None:
        from mallops.analytics import task_links
        from mallops.console.navigation import MenuItem, register

        task_links.connect()
        # the coupon pages' segment form: pricing issues to the buyers a segment holds (ADR 0006)
        from mallops.analytics.segments import segment_choices_for
        from mallops.pricing.audiences import register_segment_choices

        register_segment_choices(segment_choices_for)
        # ops backups and restore drills read the event store's files (ADR 0006)
        from mallops.analytics.backup_reads import count_events, live_parquet_rows
        from mallops.ops.event_store import EventStoreReads, register_event_store_reads

        register_event_store_reads(EventStoreReads(live_rows=live_parquet_rows, count_events=count_events))

        register(
            MenuItem("analytics", _("KPI dashboard"), "analytics:dashboard", "analytics.view", group="data")
        )
        register(
            MenuItem("analytics_live", _("Live monitor"), "analytics:live", "analytics.view", group="data")
        )
        register(
            MenuItem("analytics_funnel", _("Funnels"), "analytics:funnel", "analytics.view", group="data")
        )
        register(
            MenuItem(
                "analytics_retention", _("Retention"), "analytics:retention", "analytics.view", group="data"
            )
        )
        register(
            MenuItem(
                "analytics_purchase",
                _("Purchase behaviour"),
                "analytics:purchase",
                "analytics.view",
                group="data",
            )
        )
        register(
            MenuItem("analytics_costs", _("Cost inputs"), "analytics:costs", "analytics.view", group="data")
        )
        register(
            MenuItem(
                "analytics_experiments",
                _("A/B tests"),
                "analytics:experiments",
                "analytics.view",
                group="data",
            )
        )
        register(
            MenuItem(
                "analytics_insights",
                _("Segments and models"),
                "analytics:insights",
                "analytics.view",
                group="data",
            )
        )
        register(
            MenuItem(
                "analytics_jobs", _("Background queries"), "analytics:jobs", "analytics.view", group="data"
            )
        )
        register(
            MenuItem(
                "analytics_behaviour",
                _("Behaviour and levers"),
                "analytics:behaviour",
                "analytics.view",
                group="data",
            )
        )
        register(
            MenuItem("buyer_care", _("Buyer care"), "analytics:care", "user_ops.manage", group="marketing")
        )
        from mallops.analytics import forgetting, signals
        from mallops.analytics.selectors import buyer_segment
        from mallops.analytics.services import analytics_track
        from mallops.product_reviews.analytics_feed import register_tracker
        from mallops.service.crm_panels import register_buyer_segment

        signals.connect()
        # the service customer page shows the buyer's segment (service imports no analytics)
        register_buyer_segment(buyer_segment)
        # product reviews send the review analytics their events (product_reviews imports no analytics)
        register_tracker(analytics_track)
        forgetting.connect()  # consent withdrawal, erasure and retention reach the event store
