"""Console pages of the pricing app, mounted under /promotions/ by mallops.urls (the campaign report and
the segment issue there are analytics' pages: ``mallops.analytics.campaign_urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.pricing import views, views_campaigns, views_forms

app_name = "pricing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.promotion_list, name="list"),
    path("new/", views_forms.promotion_new, name="new"),
    path("<int:promotion_id>/", views.promotion_detail, name="detail"),
    path("<int:promotion_id>/edit", views_forms.promotion_edit, name="edit"),
    path("<int:promotion_id>/launch", views.promotion_launch, name="launch"),
    path("<int:promotion_id>/cancel", views.promotion_cancel, name="cancel"),
    path("coupon-batches/", views.coupon_batches, name="coupon_batches"),
    path("coupon-batches/new/", views_forms.batch_new, name="batch_new"),
    path("coupon-batches/<int:batch_id>/edit", views_forms.batch_edit, name="batch_edit"),
    path("coupon-batches/<int:batch_id>/stop", views_forms.batch_stop, name="batch_stop"),
    path("store-coupons/", views_campaigns.store_coupons, name="store_coupons"),
    path("memberships/", views_campaigns.membership_list, name="memberships"),
    path(
        "memberships/<int:membership_id>/revoke", views_campaigns.membership_revoke, name="membership_revoke"
    ),
]
