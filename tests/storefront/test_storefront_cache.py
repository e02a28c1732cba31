"""The storefront's caches (docs/storefront.md, 缓存): what is the same for every buyer is served from the
cache, and each write that changes it shows on the next view (price, listing, review moderation, offers)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from storefront_support import live_product

from mallops.accounts.actors import actor_of
from mallops.catalogue.services import sku_price_set
from mallops.orders.models import OrderLine
from mallops.pricing.services import promotion_cancel
from mallops.product_reviews.models import ProductReview
from mallops.product_reviews.services import moderation_hide
from mallops.review.models import Listing
from mallops.storefront import search_selectors
from mallops.storefront.models import SearchDoc
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.pricing import make_promotion
from mallops.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _page(product_id: int) -> str:
    response = Client().get(f"/shop/p/{product_id}/")
    return response.content.decode() if response.status_code == 200 else str(response.status_code)


def test_cached_parts_follow_price_review_offer_and_listing_writes_at_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a live, indexed product with one visible review, viewed once (its public part cached)
    merchant, owner = make_merchant()
    with django_capture_on_commit_callbacks(execute=True):
        product, skus = live_product(merchant, skus=(({"颜色": "白"}, 9900, None, 50),))
        order = delivered_order(merchant, lines=((4900, 1),), off_fen=0)
        line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
        review = ProductReview.objects.create(
            merchant=merchant,
            author_id=order.buyer_id,
            order_id=order.pk,
            order_line=line,
            product=product,
            sku_code=line.sku_code,
            rating=5,
            text="保温效果很好",
            status="visible",
        )
    assert "商品评价（1）" in _page(product.pk) and "保温效果很好" in _page(product.pk)
    with count_queries() as warm:
        _page(product.pk)
    # the stamps of the entry and of its category's entries (1), the SKU rows' live price and stock (1)
    assert len(warm) == 2

    # when the store reprices the SKU (the catalogue's one price writer), the page and the card follow
    with django_capture_on_commit_callbacks(execute=True):
        sku_price_set(actor=actor_of(owner), merchant_id=merchant.pk, sku_id=skus[0].pk, price_fen=8800)
    assert "¥88.00" in _page(product.pk) and "¥99.00" not in _page(product.pk)
    assert [h.min_price_fen for h in search_selectors.search(query="保温杯").hits] == [8800]

    # when content operations hide the review, the count and the text go
    with django_capture_on_commit_callbacks(execute=True):
        moderation_hide(
            actor=actor_of(make_staff("content_ops")), kind="review", object_id=review.pk, reason="广告"
        )
    html = _page(product.pk)
    assert "商品评价（0）" in html and "保温效果很好" not in html

    # when a store offer goes live and is then cancelled, its rules text comes and goes
    with django_capture_on_commit_callbacks(execute=True):
        promotion = make_promotion(merchant, status="live", rules_text="【满100减20】全店通用")
    assert "【满100减20】全店通用" in _page(product.pk)
    with django_capture_on_commit_callbacks(execute=True):
        promotion_cancel(actor=actor_of(owner), merchant_id=merchant.pk, promotion_id=promotion.pk)
    assert "【满100减20】全店通用" not in _page(product.pk)

    # when the listing is taken down, the page is gone and so is the entry
    with django_capture_on_commit_callbacks(execute=True):
        listing = Listing.objects.unscoped(reason="test").get(product_id=product.pk)
        listing.status = "taken_down"
        listing.save(update_fields=["status"])
    assert _page(product.pk) == "404"
    assert not SearchDoc.objects.filter(product_id=product.pk).exists()


def test_a_non_personalised_result_is_cached_and_a_new_match_shows_at_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    merchant, _owner = make_merchant()
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = live_product(merchant, title="不锈钢保温杯 大容量")
    result = search_selectors.search(query="保温杯")
    assert result.cache_key and search_selectors.search(query="保温杯") is result  # this process's copy

    # a product that goes live matches at once (the key is made of the matching entries)
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = live_product(merchant, title="儿童保温杯 吸管")
    again = search_selectors.search(query="保温杯")
    assert again.cache_key != result.cache_key
    assert sorted(h.product_id for h in again.hits) == sorted([first.pk, second.pk])
