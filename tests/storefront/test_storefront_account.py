"""The buyer's own storefront pages (issue 20, second part): sign-in with the console's lock, 收货地址,
reviews and Q&A through the moderated services, after-sales with photos, 联系客服, the privacy centre with
the 个性化推荐 switch, and related products. View level, one path per test."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from storefront_support import cart_post, live_product

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Address, LoginFailure, User
from mallops.aftersales.models import AfterSalesRequest, RequestPhoto
from mallops.orders.models import OrderLine
from mallops.product_reviews.models import ProductQuestion, ProductReview, ReviewPicture
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import PASSWORD, make_merchant, make_staff
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(side: int = 240) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * side * 3 for _ in range(side)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _known_to_risk(order: Any) -> None:
    """The risk engine's record of the order (the storefront's checkout writes it; the helper order skips it)."""
    from mallops.orders.risk_checks import risk_order_ref
    from mallops.risk import flows

    flows.order_assess(
        buyer_id=order.buyer_id,
        order=risk_order_ref(order),
        merchant_id=order.merchant_id,
        amount_fen=order.paid_fen,
        address="上海市浦东新区测试路1号",
    )


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def test_a_buyer_signs_in_on_the_storefront_and_staff_and_wrong_passwords_are_refused() -> None:
    buyer = make_buyer("shopper-sign-in")
    staff = make_staff("content_ops", username="staff-sign-in")
    client = Client()

    # a page that needs a buyer sends to the storefront's sign-in, not the console's
    assert client.get("/shop/cart/")["Location"] == "/shop/login/?next=%2Fshop%2Fcart%2F"

    # a wrong password is counted against the account (the console's lock) and told in Chinese
    wrong = _page(client.post("/shop/login/", {"username": buyer.username, "password": "nope"}))
    assert "账号或密码不正确" in wrong
    assert LoginFailure.objects.filter(username=buyer.username).count() == 1

    # a staff account is refused here
    refused = _page(client.post("/shop/login/", {"username": staff.username, "password": PASSWORD}))
    assert "该账号不是买家账号" in refused

    # the buyer signs in, lands where they were going, and 我的 links everything
    done = client.post(
        "/shop/login/", {"username": buyer.username, "password": PASSWORD, "next": "/shop/cart/"}
    )
    assert done.status_code == 302 and done["Location"] == "/shop/cart/"
    assert LoginFailure.objects.filter(username=buyer.username).count() == 0
    me = _page(client.get("/shop/me/"))
    for text in ("收货地址", "我的评价", "退款/售后", "联系客服", "隐私中心", "个性化推荐：已关闭"):
        assert text in me
    # signed in, the sign-in page sends on; an outside ``next`` is not followed
    assert client.get("/shop/login/?next=https://evil.example/")["Location"] == "/shop/me/"


def test_addresses_are_validated_kept_with_one_default_and_offered_at_checkout() -> None:
    buyer = make_buyer()
    client = _client(buyer)
    form = {
        "recipient": "王小明",
        "phone": "1380013800",  # 10 digits
        "province": "火星省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路1号",
    }

    bad = _page(client.post("/shop/me/addresses/new/", form))
    assert "请填写 11 位手机号码" in bad and "请选择省份" in bad
    assert Address.objects.filter(user=buyer).count() == 0

    form |= {"phone": "13800138000", "province": "浙江省"}
    assert client.post("/shop/me/addresses/new/?next=/shop/checkout/", form)["Location"] == "/shop/checkout/"
    second = client.post("/shop/me/addresses/new/", form | {"recipient": "李小红", "detail": "文一路2号"})
    assert second.status_code == 302
    first, other = Address.objects.filter(user=buyer).order_by("pk")
    assert (first.is_default, other.is_default) == (True, False)

    client.post(f"/shop/me/addresses/{other.pk}/default/")
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.is_default, other.is_default) == (False, True)
    _product, skus = live_product(make_merchant()[0])
    cart_post(client, skus[0].code)
    checkout = _page(client.get("/shop/checkout/"))
    assert "文一路2号" in checkout and "管理收货地址" in checkout
    listed = _page(client.get("/shop/me/addresses/"))
    assert listed.index("李小红") < listed.index("王小明")

    # another buyer's address is a 404
    assert _client(make_buyer()).post(f"/shop/me/addresses/{first.pk}/delete/").status_code == 404
    assert Address.objects.filter(user=buyer).count() == 2


@pytest.mark.req("R4.3.2")
def test_a_delivered_line_is_reviewed_with_a_picture_and_the_author_sees_it_hidden_with_the_reason() -> None:
    from mallops.product_reviews.services import moderation_hide

    merchant, _owner = make_merchant()
    order = delivered_order(merchant, lines=((5000, 1),), off_fen=0)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    _known_to_risk(order)
    client = _client(order.buyer)
    url = f"/shop/orders/{order.pk}/lines/{line.pk}/review/"

    assert "评价商品" in _page(client.get(url))
    sent = client.post(
        url,
        {
            "rating": "5",
            "text": "杯子保温效果很好，做工也不错",
            "pictures": [SimpleUploadedFile("cup.png", _png(), content_type="image/png")],
        },
    )
    assert sent["Location"] == "/shop/me/reviews/"
    review = ProductReview.objects.unscoped(reason="test").get(order_line=line)
    pictures = ReviewPicture.objects.unscoped(reason="test").filter(review=review).count()
    assert (review.rating, review.status, pictures) == (5, "visible", 1)
    mine = _page(client.get("/shop/me/reviews/"))
    assert "已发布" in mine and line.title in mine

    # a second review of the same line is refused in words
    again = _page(client.post(url, {"rating": "4", "text": "再评一次"}))
    assert "这件商品已经评价过了" in again

    # content operations hide it with a reason: the author is told on 我的评价
    moderation_hide(
        actor=actor_of(make_staff("content_ops")), kind="review", object_id=review.pk, reason="含广告信息"
    )
    assert "已隐藏（含广告信息）" in _page(client.get("/shop/me/reviews/"))

    # another buyer cannot review the line (it is not theirs)
    assert _client(make_buyer()).get(url).status_code == 404


def test_an_undelivered_line_cannot_be_reviewed_and_a_question_goes_through_the_service() -> None:
    merchant, _owner = make_merchant()
    order = delivered_order(merchant, lines=((5000, 1),), off_fen=0, status="paid")
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    client = _client(order.buyer)

    refused = _page(
        client.post(f"/shop/orders/{order.pk}/lines/{line.pk}/review/", {"rating": "5", "text": "好"})
    )
    assert "确认收货后才能评价" in refused
    assert not ProductReview.objects.unscoped(reason="test").filter(order_line=line).exists()

    product, _skus = live_product(merchant)
    asked = client.post(f"/shop/p/{product.pk}/ask/", {"text": "可以装开水吗？"}, follow=True)
    assert "提问已提交（已发布）" in _page(asked)
    assert ProductQuestion.objects.for_merchant(merchant.pk).get().text == "可以装开水吗？"

    # a buyer who did not receive the product is told that only its buyers answer
    question = ProductQuestion.objects.for_merchant(merchant.pk).get()
    assert "我来回答" in _page(client.get(f"/shop/p/{product.pk}/"))
    answered = client.post(f"/shop/p/{product.pk}/q/{question.pk}/answer/", {"text": "可以"}, follow=True)
    assert "购买过该商品的买家才能回答" in _page(answered)


def test_after_sales_amount_comes_from_the_server_with_photos_and_a_status_page() -> None:
    merchant, _owner = make_merchant()
    order = delivered_order(merchant, lines=((3000, 2),), off_fen=0, status="paid")
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    client = _client(order.buyer)
    url = f"/shop/orders/{order.pk}/lines/{line.pk}/aftersales/"

    too_many = _page(client.post(url, {"kind": "refund", "reason": "quality", "qty": "3", "text": "坏了"}))
    assert "申请数量超过可退数量" in too_many
    sent = client.post(
        url,
        {
            "kind": "refund",
            "reason": "quality",
            "qty": "1",
            "text": "杯盖漏水",
            "requested_fen": "999999",  # not a field: the server decides the amount
            "photos": [SimpleUploadedFile("leak.png", _png(), content_type="image/png")],
        },
    )
    request = AfterSalesRequest.objects.unscoped(reason="test").get(order=order)
    assert sent["Location"] == f"/shop/me/aftersales/{request.pk}/"
    assert (request.kind, request.requested_fen, request.reason) == ("refund", 3000, "商品质量问题：杯盖漏水")
    photo = RequestPhoto.objects.for_merchant(merchant.pk).get(request=request)
    status = _page(client.get(sent["Location"]))
    assert "¥30.00" in status and "仅退款" in status
    assert client.get(f"/shop/me/aftersales/{request.pk}/photos/{photo.pk}/")["Content-Type"] == "image/png"
    # another buyer sees neither the request nor its photo
    other = _client(make_buyer())
    assert other.get(sent["Location"]).status_code == 404
    assert other.get(f"/shop/me/aftersales/{request.pk}/photos/{photo.pk}/").status_code == 404


def test_a_ticket_about_an_order_shows_the_service_reply() -> None:
    from mallops.service.models import Ticket
    from mallops.service.services import ticket_reply

    merchant, _owner = make_merchant()
    order = delivered_order(merchant, lines=((3000, 1),), off_fen=0, status="paid")
    client = _client(order.buyer)
    sent = client.post("/shop/me/help/", {"order": str(order.pk), "text": "什么时候发货？"})
    ticket = Ticket.objects.unscoped(reason="test").get(buyer=order.buyer)
    assert sent["Location"] == f"/shop/me/help/{ticket.pk}/"
    assert (ticket.order_ref, ticket.merchant_id) == (order.number, merchant.pk)

    ticket_reply(actor=actor_of(make_staff("cs_agent")), ticket_id=ticket.pk, body="今天下午发出")
    page = _page(client.get(sent["Location"]))
    assert "什么时候发货？" in page and "今天下午发出" in page


def test_privacy_centre_switches_personalisation_on_and_off_and_files_a_request() -> None:
    from mallops.dsr.consent_selectors import consent_allows
    from mallops.dsr.contracts import Purpose
    from mallops.dsr.models import DataSubjectRequest
    from mallops.dsr.testing import grant_consent, policy_for_tests

    def is_personalised(user: User) -> bool:
        return consent_allows(user.pk, Purpose.PERSONALISATION)

    policy_for_tests()
    buyer = make_buyer()
    grant_consent([buyer], purposes=("marketing",))
    client = _client(buyer)
    page = _page(client.get("/shop/me/privacy/"))
    assert "个性化推荐" in page and "测试用隐私政策" in page
    assert not is_personalised(buyer)

    client.post("/shop/me/privacy/consent/", {"purpose": "personalisation", "action": "grant"})
    assert is_personalised(buyer)
    client.post("/shop/me/privacy/consent/", {"purpose": "personalisation", "action": "withdraw"})
    assert not is_personalised(buyer)

    client.post("/shop/me/privacy/requests/", {"kind": "access"})
    again = client.post("/shop/me/privacy/requests/", {"kind": "access"}, follow=True)
    assert "同类请求正在处理中" in _page(again)
    assert DataSubjectRequest.objects.filter(buyer=buyer, kind="access").count() == 1
    assert "待处理" in _page(client.get("/shop/me/privacy/"))


def test_related_products_share_the_category_and_are_the_same_for_everyone_without_personalisation() -> None:
    from mallops.storefront.services import search_reindex

    merchant, _owner = make_merchant()
    product, _skus = live_product(merchant, title="不锈钢保温杯 A")
    live_product(merchant, title="不锈钢保温杯 B")
    live_product(merchant, title="不锈钢保温杯 C")
    search_reindex()

    pages = [_page(c.get(f"/shop/p/{product.pk}/")) for c in (Client(), _client(make_buyer()))]
    for page in pages:
        related = page.split("相关商品", 1)[1]
        assert "不锈钢保温杯 B" in related and "不锈钢保温杯 C" in related and "保温杯 A" not in related
    assert (
        pages[0].split("相关商品", 1)[1].split("</section>")[0]
        == pages[1].split("相关商品", 1)[1].split("</section>")[0]
    )
