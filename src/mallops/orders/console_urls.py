"""Console pages of the orders app, mounted under /orders/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.orders import views, views_flash, views_shipping, views_stock

app_name = "orders"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.order_list, name="list"),
    path("merchant/", views.merchant_orders, name="merchant"),
    path("merchant/export.xlsx", views.merchant_export, name="merchant_export"),
    path("merchant/<int:order_id>/ship", views.merchant_ship, name="merchant_ship"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("merchant/<int:order_id>/", views.merchant_order_detail, name="merchant_detail"),
    path("merchant/shipping-rule/", views_shipping.merchant_shipping_rule, name="merchant_shipping_rule"),
    path("merchant/stock/", views_stock.merchant_stock, name="merchant_stock"),
    path("merchant/stock/<int:item_id>/", views_stock.merchant_stock_item, name="merchant_stock_item"),
    path("merchant/stock/<int:item_id>/set", views_stock.merchant_stock_set, name="merchant_stock_set"),
    path("flash-sales/", views.flash_sales, name="flash"),
    path("flash-sales/counters.json", views.flash_counters, name="flash_counters"),
    path("flash-sales/store/", views_flash.store_flash_sales, name="store_flash"),
    # the same forms under the merchant centre's entry (its breadcrumb and menu highlight)
    path("flash-sales/store/new/", views_flash.flash_new, name="store_flash_new"),
    path("flash-sales/store/<int:sale_id>/edit", views_flash.flash_edit, name="store_flash_edit"),
    path("flash-sales/store/<int:sale_id>/cancel", views_flash.flash_cancel, name="store_flash_cancel"),
    path("flash-sales/new/", views_flash.flash_new, name="flash_new"),
    path("flash-sales/<int:sale_id>/edit", views_flash.flash_edit, name="flash_edit"),
    path("flash-sales/<int:sale_id>/cancel", views_flash.flash_cancel, name="flash_cancel"),
]
