"""Console pages of the aftersales app, mounted under /aftersales/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.aftersales import views

app_name = "aftersales"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.request_view, name="request"),
    path("requests/<int:request_id>/close", views.request_close_view, name="close"),
    path("requests/<int:request_id>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("disputes/<int:dispute_id>/rule", views.rule, name="rule"),
    path("merchant/", views.merchant, name="merchant"),
    path("merchant/<int:request_id>/photos/<int:photo_id>/", views.merchant_photo, name="merchant_photo"),
    path("merchant/<int:request_id>/<slug:action>", views.merchant_answer, name="merchant_answer"),
]
