"""Search /shop/search and category pages (issue 20, slice 4): jieba-segmented full-text index kept in
line with listings, filters and sorts, the documented ranking and the E-Commerce Law Art. 18 switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from storefront_support import live_product

from mallops.accounts.models import User
from mallops.review.models import Listing
from mallops.storefront import ranking, search_selectors
from mallops.storefront.models import SearchDoc
from mallops.storefront.search import segment_query
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _live(merchant: Any, capture: Any, **kwargs: Any) -> Any:
    with capture(execute=True):
        product, skus = live_product(merchant, **kwargs)
    return product, skus


def _ids(result: search_selectors.SearchResult) -> list[int]:
    return [hit.product_id for hit in result.hits]


def test_chinese_words_find_the_product_and_delisting_removes_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given two live products, indexed when their listings went live
    merchant, _owner = make_merchant()
    cup, _ = _live(merchant, django_capture_on_commit_callbacks, title="不锈钢保温杯 大容量")
    cooker, _ = _live(merchant, django_capture_on_commit_callbacks, title="智能电饭煲 家用")
    assert segment_query("保温杯") == ["保温杯"]

    # when / then: a word inside the title finds it, a word of the other title does not
    assert _ids(search_selectors.search(query="保温杯")) == [cup.pk]
    assert _ids(search_selectors.search(query="电饭煲")) == [cooker.pk]
    assert _ids(search_selectors.search(query="保温杯 电饭煲")) == []
    html = Client().get("/shop/search", {"q": "保温杯"}).content.decode()
    assert "不锈钢保温杯 大容量" in html and "智能电饭煲" not in html

    # when the listing is taken down, the entry goes
    with django_capture_on_commit_callbacks(execute=True):
        listing = Listing.objects.unscoped(reason="test").get(product_id=cup.pk)
        listing.status = "taken_down"
        listing.save(update_fields=["status"])
    assert _ids(search_selectors.search(query="保温杯")) == []
    assert SearchDoc.objects.filter(product_id=cup.pk).count() == 0


def _paid(sku_code: str, qty: int, *, days_ago: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.orders.models import Order

    checkout, _ = checkout_create(
        actor=make_buyer(),
        idempotency_key=f"sales-{sku_code}-{days_ago}",
        req=CheckoutRequest(lines=[CartLine(sku_code, qty)]),
    )
    Order.objects.unscoped(reason="test").filter(checkout=checkout).update(
        status="paid", paid_at=timezone.now() - timedelta(days=days_ago)
    )


def test_price_filter_and_price_and_sales_sorts(django_capture_on_commit_callbacks: Any) -> None:
    merchant, _owner = make_merchant()
    cheap, cheap_skus = _live(
        merchant, django_capture_on_commit_callbacks, skus=(({"规格": "小"}, 1900, None, 10),)
    )
    dear, dear_skus = _live(
        merchant, django_capture_on_commit_callbacks, skus=(({"规格": "大"}, 8900, None, 10),)
    )
    # 销量 and 月销 count the last 30 days: the cheap one sold more, but mostly long ago
    _paid(cheap_skus[0].code, 2, days_ago=3)
    _paid(cheap_skus[0].code, 6, days_ago=45)
    _paid(dear_skus[0].code, 3, days_ago=5)

    assert _ids(search_selectors.search(sort="price_asc")) == [cheap.pk, dear.pk]
    assert _ids(search_selectors.search(sort="price_desc")) == [dear.pk, cheap.pk]
    assert _ids(search_selectors.search(sort="sales")) == [dear.pk, cheap.pk]
    assert [h.sales_units for h in search_selectors.search(sort="sales").hits] == [3, 2]
    assert "月销 3" in Client().get("/shop/search", {"sort": "sales"}).content.decode()
    assert _ids(search_selectors.search(min_price_fen=2000)) == [dear.pk]
    assert _ids(search_selectors.search(max_price_fen=2000)) == [cheap.pk]
    html = Client().get("/shop/search", {"min": "20", "max": "100"}).content.decode()
    assert "共 1 件商品" in html


def test_category_page_lists_only_its_category(django_capture_on_commit_callbacks: Any) -> None:
    merchant, _owner = make_merchant()
    product, _ = _live(merchant, django_capture_on_commit_callbacks)
    code = SearchDoc.objects.get(product_id=product.pk).category_code

    assert Client().get(f"/shop/c/{code}/").status_code == 200
    assert _ids(search_selectors.search(category=code)) == [product.pk]
    assert Client().get("/shop/c/no-such-category/").status_code == 404


@pytest.mark.req("R2.1.1")
def test_personalisation_off_gives_two_buyers_with_different_histories_the_same_order(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from mallops.catalogue.models import Category
    from mallops.dsr.testing import grant_consent

    # given products in two categories, and two buyers who each bought in a different one
    merchant, _owner = make_merchant()
    first, second = list(Category.objects.order_by("pk")[:2])
    a, a_skus = _live(merchant, django_capture_on_commit_callbacks, title="保温杯 甲")
    b, b_skus = _live(merchant, django_capture_on_commit_callbacks, title="保温杯 乙")
    SearchDoc.objects.filter(product_id=a.pk).update(category_code=first.code)
    SearchDoc.objects.filter(product_id=b.pk).update(category_code=second.code)
    buyer_a, buyer_b = make_buyer(), make_buyer()
    _bought(merchant, buyer_a, a_skus[0].code)
    _bought(merchant, buyer_b, b_skus[0].code)

    # when neither has the personalisation switch on (no consent), and a signed-out visitor searches
    off_a = search_selectors.search(query="保温杯", user=buyer_a)
    off_b = search_selectors.search(query="保温杯", user=buyer_b)
    anonymous = search_selectors.search(query="保温杯")

    # then the same order and the same explanation, with no personal factor
    assert _ids(off_a) == _ids(off_b) == _ids(anonymous)
    assert [h.explanation for h in off_a.hits] == [h.explanation for h in off_b.hits]
    assert not off_a.personalised and all(r.factor != "affinity" for h in off_a.hits for r in h.explanation)

    # marketing consent is not the switch: 个性化推荐 is its own purpose
    grant_consent([buyer_a], purposes=("marketing",))
    assert not search_selectors.search(query="保温杯", user=buyer_a).personalised

    # and with the switch on, each buyer's history moves their own category up
    grant_consent([buyer_a, buyer_b], purposes=("personalisation",))
    assert _ids(search_selectors.search(query="保温杯", user=buyer_a))[0] == a.pk
    assert _ids(search_selectors.search(query="保温杯", user=buyer_b))[0] == b.pk


def _bought(merchant: Any, buyer: User, sku_code: str) -> None:
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create

    checkout_create(
        actor=buyer, idempotency_key=f"sf-{buyer.pk}", req=CheckoutRequest(lines=[CartLine(sku_code, 1)])
    )


_inputs = st.builds(
    ranking.RankInput,
    product_id=st.integers(1, 10_000),
    relevance=st.floats(0, 1),
    sales_units_30d=st.integers(0, 100_000),
    conversion=st.floats(0, 1),
    review_mean=st.none() | st.floats(1, 5),
    review_count=st.integers(0, 500),
    quality_score=st.integers(0, 100),
    compliance_findings=st.integers(0, 10),
    refund_rate=st.floats(0, 1),
    affinity=st.floats(0, 1),
)


@settings(max_examples=50, deadline=None)
@given(item=_inputs)
def test_score_is_the_sum_of_the_explained_contributions_and_off_ignores_affinity(
    item: ranking.RankInput,
) -> None:
    from dataclasses import replace

    rows = ranking.explain(item, personalised=False)
    assert ranking.score(item, personalised=False) == pytest.approx(
        sum(r.contribution for r in rows), abs=1e-3
    )
    assert all(r.factor != "affinity" for r in rows)
    # the oracle: without personalisation the personal input changes nothing
    assert ranking.score(replace(item, affinity=0.0), personalised=False) == ranking.score(
        replace(item, affinity=1.0), personalised=False
    )
    # more sales never lower the score, a penalty never raises it
    assert ranking.score(
        replace(item, sales_units_30d=item.sales_units_30d + 1), personalised=False
    ) >= ranking.score(item, personalised=False)
    assert ranking.score(replace(item, refund_rate=1.0), personalised=False) <= ranking.score(
        replace(item, refund_rate=0.0), personalised=False
    )


def test_home_shows_categories_campaigns_and_non_personalised_picks(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from mallops.testing.pricing import make_promotion

    merchant, _owner = make_merchant()
    _live(merchant, django_capture_on_commit_callbacks, title="保温杯 首页")
    make_promotion(None, status="live", name="双十二跨店满减", rules_text="【双十二跨店满减】")

    html = Client().get("/shop/").content.decode()

    assert "保温杯 首页" in html and "双十二跨店满减" in html and "商品分类" in html
    assert "未使用个人信息推荐" in html
