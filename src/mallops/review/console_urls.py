"""Console pages of the review app, mounted under /review/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.review import listing_views, product_views, views

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("listings/<int:listing_id>/", views.detail, name="detail"),
    path("listings/<int:listing_id>/claim", views.claim, name="claim"),
    path("listings/<int:listing_id>/approve", views.approve, name="approve"),
    path("listings/<int:listing_id>/reject", views.reject, name="reject"),
    path("listings/<int:listing_id>/take-down", listing_views.take_down, name="take_down"),
    path("products/", listing_views.platform_products, name="platform_products"),
    path("mine/<int:listing_id>/delist", listing_views.merchant_delist, name="merchant_delist"),
    path("metrics/", views.metrics, name="metrics"),
    path("mine/", views.merchant_listings, name="merchant_listings"),
    path("mine/<int:listing_id>/", views.merchant_listing, name="merchant_listing"),
    path("mine/<int:listing_id>/submit", views.merchant_submit, name="merchant_submit"),
    path("mine/import/", views.merchant_import, name="merchant_import"),
    path("mine/products/", product_views.merchant_products, name="merchant_products"),
    path("mine/products/new/", product_views.merchant_product_new, name="merchant_product_new"),
    path("mine/products/<int:product_id>/", product_views.merchant_product, name="merchant_product"),
    path(
        "mine/products/<int:product_id>/listing",
        product_views.merchant_product_listing,
        name="merchant_product_listing",
    ),
    path(
        "mine/products/<int:product_id>/images",
        product_views.merchant_image_upload,
        name="merchant_image_upload",
    ),
    path(
        "mine/products/<int:product_id>/images/<int:image_id>/delete",
        product_views.merchant_image_delete,
        name="merchant_image_delete",
    ),
    path("mine/certificates/", product_views.merchant_certificates, name="merchant_certificates"),
    path(
        "mine/certificates/<int:certificate_id>/file",
        product_views.merchant_certificate_file,
        name="merchant_certificate_file",
    ),
    path(
        "mine/products/<int:product_id>/images/<int:image_id>/file",
        product_views.merchant_image_file,
        name="merchant_image_file",
    ),
]
