"""The storefront's busiest pages (``views_hot``, docs/performance.md R6.1.1): the product page's public HTML
is rendered once per stamp and filled per request, never stale and never with another visitor's parts;
each page keeps a query budget and a read writes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from storefront_support import cart_post, live_product

from mallops.accounts.actors import actor_of
from mallops.catalogue.services import sku_price_set
from mallops.orders.models import StockItem
from mallops.orders.services import stock_set
from mallops.storefront import pagecache, pagehtml
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_promotion
from mallops.testing.queries import count_queries

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _indexed_product(capture: Any) -> tuple[Any, Any, Any, list[Any]]:
    merchant, owner = make_merchant()
    with capture(execute=True):
        product, skus = live_product(merchant, skus=(({"颜色": "白"}, 9900, None, 50),))
        live_product(merchant, title="儿童保温杯 吸管", skus=(({"颜色": "蓝"}, 5900, None, 9),))
    return merchant, owner, product, skus


def test_price_and_stock_changes_show_on_the_next_view_though_the_html_is_kept(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an indexed product viewed once (its public HTML kept under its stamp)
    _merchant, owner, product, skus = _indexed_product(django_capture_on_commit_callbacks)
    client = Client()
    first = client.get(f"/shop/p/{product.pk}/").content.decode()
    assert "¥99.00" in first and "有货" in first and "儿童保温杯 吸管" in first
    found = pagecache.product_public(product_id=product.pk)
    assert found is not None and found[1] is not None
    assert isinstance(pagecache.get(f"{found[1].key}:html:zh-hans:{_version()}"), pagehtml.Skeleton)

    # when the store sets 3 units left (no re-index: the stock row only), the next view says so
    item = StockItem.objects.unscoped(reason="test").get(sku_code=skus[0].code)
    stock_set(actor=actor_of(owner), item_id=item.pk, available=3, reason="盘点")
    assert "仅剩 3 件" in client.get(f"/shop/p/{product.pk}/").content.decode()

    # when it sells out, the page says 已售罄 and offers no buy button
    stock_set(actor=actor_of(owner), item_id=item.pk, available=0, reason="盘点")
    html = client.get(f"/shop/p/{product.pk}/").content.decode()
    assert "已售罄" in html and "加入购物车" not in html

    # when the store reprices it (the catalogue's one price writer), the next view shows the new price
    with django_capture_on_commit_callbacks(execute=True):
        sku_price_set(
            actor=actor_of(owner), merchant_id=product.merchant_id, sku_id=skus[0].pk, price_fen=8800
        )
    html = client.get(f"/shop/p/{product.pk}/").content.decode()
    assert "¥88.00" in html and "¥99.00" not in html


def test_each_visitor_gets_forms_with_their_own_csrf_token(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a product page already kept from a first visitor's view
    _merchant, _owner, product, skus = _indexed_product(django_capture_on_commit_callbacks)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_tokens = TOKEN.findall(first.get(f"/shop/p/{product.pk}/").content.decode())
    second_tokens = TOKEN.findall(second.get(f"/shop/p/{product.pk}/").content.decode())
    assert len(first_tokens) == len(second_tokens) == 1

    # then each visitor's token is accepted with their own cookie and refused with the other's
    post = {"sku": skus[0].code, "qty": "1"}
    assert first.post("/shop/cart/add/", {**post, "csrfmiddlewaretoken": first_tokens[0]}).status_code == 302
    assert first.post("/shop/cart/add/", {**post, "csrfmiddlewaretoken": second_tokens[0]}).status_code == 403

    # and a signed-in buyer gets the buyer's forms (ask a question) with a token of their own
    buyer = make_buyer()
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(buyer)
    html = signed_in.get(f"/shop/p/{product.pk}/").content.decode()
    assert "提交问题" in html and "登录</a>后可提问" not in html
    assert "登录</a>后可提问" in first.get(f"/shop/p/{product.pk}/").content.decode()
    assert len(set(TOKEN.findall(html)) & {first_tokens[0], second_tokens[0]}) == 0


def _version() -> str:
    import mallops

    return mallops.__version__


@pytest.mark.parametrize(("page", "budget"), [("product", 2), ("search", 2), ("cart", 8)])
def test_query_budget_of_each_hot_page_and_no_write_on_a_read(
    django_capture_on_commit_callbacks: Any, page: str, budget: int
) -> None:
    # given the bench's shape: a live store offer, two indexed products, a buyer with two cart lines
    merchant, _owner, product, skus = _indexed_product(django_capture_on_commit_callbacks)
    make_promotion(merchant, status="live", name="满100减20")
    buyer = make_buyer()
    client = Client()
    client.force_login(buyer)
    assert cart_post(client, skus[0].code).status_code == 302
    path = {"product": f"/shop/p/{product.pk}/", "search": "/shop/search?q=保温杯", "cart": "/shop/cart/"}[
        page
    ]
    visitor = client if page == "cart" else Client()
    assert visitor.get(path).status_code == 200  # the first view fills the caches

    with count_queries() as queries:
        assert visitor.get(path).status_code == 200

    assert len(queries) == budget, queries.statements
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in queries.statements)
