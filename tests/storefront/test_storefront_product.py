"""The product page /shop/p/<id>/ (issue 20, slice 1): approved snapshot, live price, lawful reference
price with its disclosure, the offers' rules text, SKU stock states, reviews summary and Q&A."""

from __future__ import annotations

import pytest
from django.test import Client
from storefront_support import live_product

from mallops.catalogue.models import Sku
from mallops.orders.models import StockItem
from mallops.product_reviews.models import ProductQuestion, ProductReview, ReviewPicture
from mallops.storefront import selectors
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


@pytest.mark.req("R2.2.2")
def test_product_page_prices_skus_and_offers() -> None:
    # given a live product with a struck-through price above the live price, one low-stock SKU and a live
    # store promotion whose rules text is published
    from mallops.testing.pricing import make_promotion

    merchant, _owner = make_merchant()
    product, skus = live_product(merchant)
    make_promotion(merchant, status="live", rules_text="【满100减20】\n活动时间：全天")

    # when
    response = Client().get(f"/shop/p/{product.pk}/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "不锈钢保温杯 500ml" in html
    assert "¥99.00" in html
    assert '<s class="ref-price">¥129.00</s>' in html
    assert "划线价说明" in html and "明码标价和禁止价格欺诈规定第十六条" in html
    assert "满100减20" in html and "活动时间：全天" in html
    assert "仅剩 3 件" in html and "有货" in html
    assert "加入购物车" in html and "立即购买" in html
    page = selectors.product_page(product_id=product.pk)
    assert page is not None
    assert [(s.code, s.price_fen, s.reference_price_fen, s.stock_state) for s in page.skus] == [
        (skus[0].code, 9900, 12900, "in_stock"),
        (skus[1].code, 9900, None, "low"),
    ]


def test_reference_price_not_above_live_price_is_not_shown() -> None:
    # given the stock row was repriced above the snapshot's reference price
    merchant, _owner = make_merchant()
    product, skus = live_product(merchant, skus=(({"颜色": "白"}, 9900, 10900, 10),))
    StockItem.objects.unscoped(reason="test").filter(sku_code=skus[0].code).update(price_fen=11900)

    # when
    page = selectors.product_page(product_id=product.pk)

    # then the live price is the stock row's and no reference price is claimed
    assert page is not None
    assert (page.skus[0].price_fen, page.skus[0].reference_price_fen) == (11900, None)
    assert page.has_reference_price is False


def test_a_product_that_is_not_live_is_not_found() -> None:
    merchant, _owner = make_merchant()
    product, _skus = live_product(merchant, live=False)

    assert Client().get(f"/shop/p/{product.pk}/").status_code == 404


def test_inactive_sku_shows_sold_out() -> None:
    merchant, _owner = make_merchant()
    product, skus = live_product(merchant)
    Sku.objects.unscoped(reason="test").filter(pk=skus[0].pk).update(is_active=False)

    page = selectors.product_page(product_id=product.pk)

    assert page is not None
    assert [s.stock_state for s in page.skus] == ["sold_out", "low"]


def test_reviews_summary_counts_visible_reviews_negative_share_and_pictures() -> None:
    # given two visible reviews (one negative, with a picture), one hidden review and one question
    from mallops.orders.models import OrderLine
    from mallops.testing.aftersales import delivered_order

    merchant, _owner = make_merchant()
    product, _skus = live_product(merchant)
    for rating, text, status in (
        (5, "保温效果很好", "visible"),
        (1, "漏水", "visible"),
        (1, "广告", "hidden"),
    ):
        order = delivered_order(merchant, lines=((4900, 1),), off_fen=0)
        line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
        review = ProductReview.objects.create(
            merchant=merchant,
            author_id=line.order.buyer_id,
            order_id=line.order_id,
            order_line=line,
            product=product,
            sku_code=line.sku_code,
            rating=rating,
            text=text,
            status=status,
            hidden_reason="广告引流" if status == "hidden" else "",
        )
        if text == "漏水":
            ReviewPicture.objects.create(
                merchant=merchant,
                review=review,
                file="x.jpg",
                content_type="image/jpeg",
                width=1,
                height=1,
                size_bytes=1,
                position=0,
            )
    ProductQuestion.objects.create(
        merchant=merchant, author_id=line.order.buyer_id, product=product, text="能装开水吗？"
    )

    # when
    html = Client().get(f"/shop/p/{product.pk}/").content.decode()

    # then
    assert "商品评价（2）" in html
    assert "差评 50%" in html
    assert "有图 1" in html
    assert "保温效果很好" in html and "漏水" in html and "广告" not in html
    assert "能装开水吗？" in html
