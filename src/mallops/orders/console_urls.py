"""Console pages of the orders app, mounted under /orders/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.orders import views

app_name = "orders"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.order_list, name="list"),
    path("merchant/", views.merchant_orders, name="merchant"),
    path("merchant/export.xlsx", views.merchant_export, name="merchant_export"),
    path("merchant/<int:order_id>/ship", views.merchant_ship, name="merchant_ship"),
    path("flash-sales/", views.flash_sales, name="flash"),
    path("flash-sales/counters.json", views.flash_counters, name="flash_counters"),
]
