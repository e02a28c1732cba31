from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from mallops.core.api import build_api
from mallops.core.health import healthz, readyz
from mallops.core.urlcache import remembered_include
from mallops.ops.metrics import metrics_view
from mallops.routers import ROUTERS

api = build_api()
for prefix, router in ROUTERS:
    api.add_router(prefix, router)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    remembered_include("api/v1/", api.urls),  # the path look-up kept per path (core.urlcache)
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("catalogue/", include("mallops.catalogue.console_urls")),
    path("review/", include("mallops.review.console_urls")),
    path("promotions/", include("mallops.pricing.console_urls")),
    path("promotions/", include("mallops.analytics.campaign_urls")),  # campaign report, segment issue
    path("orders/", include("mallops.orders.console_urls")),
    path("service/", include("mallops.service.console_urls")),
    path("aftersales/", include("mallops.aftersales.console_urls")),
    path("analytics/", include("mallops.analytics.console_urls")),
    path("calendar/", include("mallops.workdays.console_urls")),
    path("privacy/", include("mallops.dsr.console_urls")),
    path("ops/", include("mallops.ops.console_urls")),
    path("risk/", include("mallops.risk.console_urls")),
    path("tasks/", include("mallops.tasks.console_urls")),
    path("compliance/", include("mallops.compliance.console_urls")),
    path("scorecards/", include("mallops.scorecards.console_urls")),
    path("reviews/", include("mallops.product_reviews.console_urls")),
    path("stores/", include("mallops.stores.console_urls")),
    path("content/", include("mallops.content.console_urls")),
    path("marketing/", include("mallops.marketing.console_urls")),
    path("membership/", include("mallops.membership.console_urls")),
    path("shop/", include("mallops.storefront.urls")),
    path("storefront/", include("mallops.storefront.console_urls")),
    path("metrics", metrics_view, name="metrics"),
    path("", include("mallops.console.urls")),
]

handler403 = "mallops.console.errors.permission_denied"
handler404 = "mallops.console.errors.page_not_found"
handler500 = "mallops.console.errors.server_error"
