"""Console pages of the campaign report and the segment coupon issue, mounted under /promotions/ by
mallops.urls after the pricing pages (the URLs they had in pricing; issue 16, ADR 0006)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.analytics import views_campaigns

app_name = "campaigns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("coupon-batches/issue-segment", views_campaigns.issue_segment, name="issue_segment"),
    path("campaigns/", views_campaigns.campaigns, name="campaigns"),
    path("store-campaigns/", views_campaigns.merchant_campaigns, name="store_campaigns"),
    path("store-coupons/issue-segment", views_campaigns.store_issue_segment, name="store_issue_segment"),
]
