"""Console pages of product reviews, mounted under /reviews/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.product_reviews import views

app_name = "product_reviews"

urlpatterns: list[URLPattern | URLResolver] = [
    path("moderation/", views.moderation, name="moderation"),
    path(
        "moderation/<str:kind>/<int:object_id>/<str:action>/",
        views.moderation_act,
        name="moderation_act",
    ),
    path("published/", views.published, name="published"),
    path(
        "published/<str:kind>/<int:object_id>/<str:action>/",
        views.published_act,
        name="published_act",
    ),
    path("store/", views.store_reviews, name="store_reviews"),
    path("store/<int:review_id>/reply/", views.store_reply, name="store_reply"),
]
