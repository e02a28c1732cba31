from django.urls import path

from mallops.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:product_id>/", views.product, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/<int:line_id>/", views.cart_line, name="cart_line"),
    path("checkout/", views.checkout, name="checkout"),
    path("pay/<int:checkout_id>/", views.pay, name="pay"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("search", views.search, name="search"),
    path("c/<slug:category>/", views.search, name="category"),
]
