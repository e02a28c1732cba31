"""Console pages of membership, mounted under /membership/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.membership import views

app_name = "membership"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tiers/", views.tier_list, name="tiers"),
    path("tiers/new/", views.tier_new, name="tier_new"),
    path("tiers/<int:tier_id>/edit/", views.tier_edit, name="tier_edit"),
    path("members/", views.member_list, name="members"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
]
