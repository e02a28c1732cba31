"""Every API router and the prefix it is mounted at under /api/v1 (one list, easy to review)."""

from __future__ import annotations

from ninja import Router

from mallops.accounts.api import merchant_router as merchant_staff_router
from mallops.accounts.api import router as identity_router
from mallops.aftersales.api import router as aftersales_router
from mallops.analytics.api import router as analytics_router
from mallops.analytics.api_behaviour import router as analytics_behaviour_router
from mallops.analytics.api_campaigns import router as analytics_campaigns_router
from mallops.catalogue.api import router as catalogue_router
from mallops.compliance.api import router as compliance_router
from mallops.content.api import router as content_router
from mallops.content.api_draws import router as content_draws_router
from mallops.core.api_system import router as system_router
from mallops.dsr.api import router as dsr_router
from mallops.marketing.api import router as marketing_router
from mallops.marketing.api_targeting import router as marketing_targeting_router
from mallops.membership.api import router as membership_router
from mallops.membership.points_api import router as membership_points_router
from mallops.ops.api import router as ops_router
from mallops.orders.api import router as orders_router
from mallops.payments.api import router as payments_router
from mallops.pricing.api import router as pricing_router
from mallops.pricing.api_promotions import router as promotions_router
from mallops.product_reviews.api import router as product_reviews_router
from mallops.review.api import router as review_router
from mallops.risk.api import router as risk_router
from mallops.scorecards.api import router as scorecards_router
from mallops.service.api import router as service_router
from mallops.stores.api import router as stores_router
from mallops.tasks.api import router as tasks_router
from mallops.workdays.api import router as workdays_router

ROUTERS: list[tuple[str, Router]] = [
    ("/system", system_router),
    ("", identity_router),
    ("/merchant", merchant_staff_router),
    ("/compliance", compliance_router),
    ("/pricing", pricing_router),
    # feature apps mount their own sub-paths (merchant-side routes live under /merchant/...)
    ("", catalogue_router),
    ("", promotions_router),
    ("", analytics_campaigns_router),  # segment issues and the campaign report (moved from pricing)
    ("", review_router),
    ("", orders_router),
    ("", payments_router),
    ("", service_router),
    ("", aftersales_router),
    ("", analytics_router),
    ("", analytics_behaviour_router),
    ("", workdays_router),
    ("", dsr_router),
    ("", risk_router),
    ("", ops_router),
    ("", tasks_router),
    ("", scorecards_router),
    ("", product_reviews_router),
    ("", stores_router),
    ("", content_router),
    ("", content_draws_router),
    ("", marketing_router),
    ("", marketing_targeting_router),
    ("", membership_router),
    ("", membership_points_router),
]
