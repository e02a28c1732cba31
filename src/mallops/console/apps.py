from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "mallops.console"
    label = "console"
    verbose_name = "Console"

    def ready(self) -> None:
        from mallops.console import export_audit, lists

        lists.register_export_audit(export_audit.EXPORT_AUDIT)
        # the service customer page lists the buyer's after-sales requests: service and after-sales are
        # peers in the app graph, so the console above both composes them (ADR 0006)
        from mallops.aftersales.selectors import buyer_requests_for_staff
        from mallops.service.crm_panels import register_buyer_requests

        register_buyer_requests(buyer_requests_for_staff)
        # the listing quality score counts the product's visible reviews: review and product_reviews are
        # peers too (ADR 0006)
        from mallops.product_reviews.selectors import visible_review_count
        from mallops.review.review_counts import register_review_counter

        register_review_counter(visible_review_count)
