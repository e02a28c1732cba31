"""Console pages of the review app, mounted under /review/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.review import views

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("listings/<int:listing_id>/", views.detail, name="detail"),
    path("listings/<int:listing_id>/claim", views.claim, name="claim"),
    path("listings/<int:listing_id>/approve", views.approve, name="approve"),
    path("listings/<int:listing_id>/reject", views.reject, name="reject"),
    path("metrics/", views.metrics, name="metrics"),
    path("mine/", views.merchant_listings, name="merchant_listings"),
    path("mine/<int:listing_id>/", views.merchant_listing, name="merchant_listing"),
    path("mine/<int:listing_id>/submit", views.merchant_submit, name="merchant_submit"),
    path("mine/import/", views.merchant_import, name="merchant_import"),
]
