from django.urls import path

from mallops.storefront import (
    views,
    views_account,
    views_aftersales,
    views_hot,
    views_member,
    views_reviews,
)

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:product_id>/", views_hot.product, name="product"),
    path("cart/", views_hot.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/<int:line_id>/", views.cart_line, name="cart_line"),
    path("checkout/", views.checkout, name="checkout"),
    path("pay/<int:checkout_id>/", views.pay, name="pay"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("search", views_hot.search, name="search"),
    path("c/<slug:category>/", views_hot.search, name="category"),
    # the buyer's own pages (views_account)
    path("login/", views_account.sign_in, name="sign_in"),
    path("logout/", views_account.sign_out, name="sign_out"),
    path("me/", views_account.me, name="me"),
    path("me/addresses/", views_account.addresses, name="addresses"),
    path("me/addresses/new/", views_account.address_edit, name="address_new"),
    path("me/addresses/<int:address_id>/", views_account.address_edit, name="address_edit"),
    path("me/addresses/<int:address_id>/<str:action>/", views_account.address_action, name="address_action"),
    path("orders/<int:order_id>/confirm/", views_account.order_confirm, name="order_confirm"),
    path("orders/<int:order_id>/cancel/", views_account.order_cancel, name="order_cancel"),
    path("me/privacy/", views_account.privacy, name="privacy"),
    # 会员 and 消息 (views_member)
    path("me/member/", views_member.member, name="member"),
    path("me/inbox/", views_member.inbox, name="inbox"),
    path("me/inbox/read/", views_member.inbox_read, name="inbox_read"),
    path("me/privacy/consent/", views_account.privacy_consent, name="privacy_consent"),
    path("me/privacy/requests/", views_account.privacy_request, name="privacy_request"),
    # reviews and Q&A (views_reviews)
    path(
        "orders/<int:order_id>/lines/<int:line_id>/review/", views_reviews.review_write, name="review_write"
    ),
    path("me/reviews/", views_reviews.my_reviews, name="my_reviews"),
    path("me/reviews/<int:review_id>/follow-up/", views_reviews.follow_up, name="follow_up"),
    path("p/<int:product_id>/ask/", views_reviews.question_ask, name="question_ask"),
    path("p/<int:product_id>/q/<int:question_id>/answer/", views_reviews.answer, name="answer"),
    # after-sales and 联系客服 (views_aftersales)
    path(
        "orders/<int:order_id>/lines/<int:line_id>/aftersales/",
        views_aftersales.aftersales_new,
        name="aftersales_new",
    ),
    path("me/aftersales/", views_aftersales.aftersales_list, name="aftersales_list"),
    path("me/aftersales/<int:aftersales_id>/", views_aftersales.aftersales_detail, name="aftersales"),
    path(
        "me/aftersales/<int:aftersales_id>/photos/<int:photo_id>/",
        views_aftersales.aftersales_photo,
        name="aftersales_photo",
    ),
    path("me/help/", views_aftersales.tickets, name="tickets"),
    path("me/help/<int:ticket_id>/", views_aftersales.ticket, name="ticket"),
]
