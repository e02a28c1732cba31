"""What the console shows for analytics codes (read by ``mallops.core.words``; glossary words).

Event names stay codes in the API, the funnel form and exports; pages show these labels.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

TEAM = {
    "user_ops": _("User operations"),
    "product_ops": _("Product operations"),
    "content_ops": _("Content operations"),
    "data_ops": _("Data operations"),
    "cs": _("Customer service"),
    "tech_ops": _("Technical operations"),
}
TASK_STATUS = {"open": _("To do"), "done": _("Done")}
EXPERIMENT_STATUS = {"draft": _("Draft"), "running": _("Running"), "stopped": _("Stopped")}
JOB_STATUS = {
    "queued": _("Queued"),
    "running": _("Running"),
    "done": _("Done"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
}
VERDICT = {
    "significant": _("Significant difference"),
    "not significant": _("No significant difference"),
    "invalid: sample ratio mismatch": _("Invalid: sample ratio mismatch"),
    "stop: a guard-rail metric got worse": _("Stop: a guard-rail metric got worse"),
}
STAGE = {
    "introduction": _("Introduction"),
    "growth": _("Growth"),
    "maturity": _("Maturity"),
    "decline": _("Decline"),
}
SEGMENT = {
    "high_value": _("High-value users"),
    "potential": _("Potential users"),
    "regular": _("Regular users"),
    "at_risk": _("At-risk users"),
    "churned": _("Churned users"),
}
EVENT = {
    "page_view": _("Page view"),
    "add_to_cart": _("Add to cart"),
    "checkout": _("Checkout"),
    "checkout_step": _("Checkout step"),
    "order_paid": _("Order paid"),
    "review": _("Product review"),
    "csat": _("Satisfaction rating"),
    "refund": _("Refund"),
    "complaint": _("Complaint"),
    "signup": _("Sign-up"),
    "campaign_join": _("Campaign joined"),
    "ticket_first_response": _("Ticket first response"),
    "impression": _("Impression"),
    "click": _("Click"),
    "search": _("Search"),
    "product_view": _("Product view"),
    "$exit": _("Left the site"),  # the end of a path (analytics.behaviour)
    "page_timing": _("Page load timing"),
    "order_created": _("Order placed"),
    "order_shipped": _("Order shipped"),
    "ticket_opened": _("Ticket opened"),
    "cost": _("Cost"),
}
# how each RFM tag is decided (mallops.analytics.rfm), written on the segments page
SEGMENT_DEFINITION = {
    "high_value": _("R, F and M scores all 4 or 5: bought recently, often and much."),
    "potential": _("R score 4 or 5 and F score 3 or less: bought recently, not often yet."),
    "regular": _("Everybody the other rules do not pick."),
    "at_risk": _("R score 1 or 2 and F + M scores 7 or more: used to buy a lot, not lately."),
    "churned": _("R score 1 and F score 1 or 2: long gone and bought little."),
}
COST_CATEGORY = {
    "advertising": _("Advertising"),
    "logistics": _("Logistics"),
    "customer_service": _("Customer service"),
}
PAYMENT_METHOD = {
    "wechat": _("WeChat Pay"),
    "wechat_pay": _("WeChat Pay"),
    "alipay": _("Alipay"),
    "unionpay": _("UnionPay"),
    "sandbox": _("Sandbox payment"),
    "": _("Unknown"),
}
PAGE = {
    "home": _("Home page"),
    "product": _("Product page"),
    "cart": _("Cart"),
    "checkout": _("Checkout page"),
    "search": _("Search results"),
    "category": _("Category page"),
}
# the ``placement`` property of impression and click events (what the storefront and the demo send)
PLACEMENT = {
    "home_banner": _("Home banner"),
    "rec_feed": _("Recommendation feed"),
    "search_result": _("Search results"),
    "other": _("Other"),
}
FEATURE = {
    "recency_days": _("Days since last activity"),
    "tenure_days": _("Days since sign-up"),
    "active_days": _("Active days"),
    "events_30d": _("Events in 30 days"),
    "views_30d": _("Views in 30 days"),
    "carts_30d": _("Add-to-carts in 30 days"),
    "orders_total": _("Orders in total"),
    "spend_fen_total": _("Spend in total"),
    "orders_30d": _("Orders in 30 days"),
    "refunds_total": _("Refunds in total"),
    "complaints_total": _("Complaints in total"),
}
# lifecycle's suggested actions (mallops.analytics.lifecycle.ACTIONS), kept in English in the engine
ACTION = {
    "Increase exposure: search ads, content seeding, new-product placement.": _(
        "Increase exposure: search ads, content seeding, new-product placement."
    ),
    "Run promotions to accelerate.": _("Run promotions to accelerate."),
    "Optimise the detail page (images, selling points, reviews).": _(
        "Optimise the detail page (images, selling points, reviews)."
    ),
    "Secure stock and hold the price.": _("Secure stock and hold the price."),
    "Drive repurchase: member offers, bundles, reminders.": _(
        "Drive repurchase: member offers, bundles, reminders."
    ),
    "Clear stock with markdowns.": _("Clear stock with markdowns."),
    "Plan the take-down and a successor product.": _("Plan the take-down and a successor product."),
}

LABELS: dict[str, Any] = {
    "team": TEAM,
    "task_status": TASK_STATUS,
    "experiment_status": EXPERIMENT_STATUS,
    "job_status": JOB_STATUS,
    "verdict": VERDICT,
    "stage": STAGE,
    "segment": SEGMENT,
    "event": EVENT,
    "page": PAGE,
    "placement": PLACEMENT,
    "feature": FEATURE,
    "action": ACTION,
    "segment_definition": SEGMENT_DEFINITION,
    "cost_category": COST_CATEGORY,
    "payment_method": PAYMENT_METHOD,
}
