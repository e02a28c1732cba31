"""Console pages of the pricing app, mounted under /promotions/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.pricing import views, views_campaigns

app_name = "pricing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.promotion_list, name="list"),
    path("<int:promotion_id>/", views.promotion_detail, name="detail"),
    path("<int:promotion_id>/launch", views.promotion_launch, name="launch"),
    path("<int:promotion_id>/cancel", views.promotion_cancel, name="cancel"),
    path("coupon-batches/", views.coupon_batches, name="coupon_batches"),
    path("coupon-batches/issue-segment", views_campaigns.issue_segment, name="issue_segment"),
    path("campaigns/", views_campaigns.campaigns, name="campaigns"),
    path("store-campaigns/", views_campaigns.merchant_campaigns, name="store_campaigns"),
    path("store-coupons/", views_campaigns.store_coupons, name="store_coupons"),
    path("store-coupons/issue-segment", views_campaigns.store_issue_segment, name="store_issue_segment"),
    path("memberships/", views_campaigns.membership_list, name="memberships"),
    path(
        "memberships/<int:membership_id>/revoke", views_campaigns.membership_revoke, name="membership_revoke"
    ),
]
