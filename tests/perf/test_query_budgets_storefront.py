"""Query budgets of the storefront pages the R6.1.1 bench drives (docs/performance.md): the product page and
search once their public parts are cached, and the cart's live quote. A page must cost the same for 3
products as for 12 (no query per product)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mallops.storefront import services
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer
from mallops.testing.queries import query_budget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storefront"))
from storefront_support import live_product

pytestmark = pytest.mark.django_db

# the entry's stamp (with its category peers' count and latest stamp: the related list's key, one
# statement); the SKUs' live price and stock (``orders.public.selectors.sku_offers``: stock rows with their
# catalogue SKU, listing and store in one statement; was 4). The public HTML and the related list come
# from the cache.
PRODUCT_BUDGET = 2
# the full-text match and the matching entries' ids and stamps (the ranked, rendered list comes from the
# cache; the entries' rows are read only to build it)
SEARCH_BUDGET = 2
# session and user; the cart rows; the stock rows with their catalogue SKU, listing, store and shipping
# rule in one statement, once for the page's lines and the quote (``orders.checkout.cart_quote``, was 4);
# memberships, promotions and coupons, whose labels name the discounts; the analytics consent (tracking).
# Was 17: the stock rows were read twice and promotions and coupons again for the names. No staff menu on
# /shop/.
CART_BUDGET = 8


def _shop(n: int) -> tuple[Any, str, Client]:
    merchant, _owner = make_merchant()
    products = [
        live_product(merchant, title=f"不锈钢保温杯 {k}号", skus=(({"颜色": "白"}, 9900 + k, None, 100),))
        for k in range(n)
    ]
    services.search_reindex()
    buyer = make_buyer()
    for _product, skus in products[:3]:
        services.cart_add(buyer=buyer, sku_code=skus[0].code, qty=1)
    client = Client()
    client.force_login(buyer)
    return products[0][0], f"/shop/p/{products[0][0].pk}/", client


@pytest.mark.parametrize("n", [3, 12])
def test_product_search_and_cart_pages_stay_within_their_budgets(n: int) -> None:
    _product, product_path, buyer = _shop(n)
    anonymous = Client()
    for path in (product_path, "/shop/search?q=保温杯"):
        assert anonymous.get(path).status_code == 200  # warms the cache

    with query_budget(PRODUCT_BUDGET):
        assert anonymous.get(product_path).status_code == 200
    with query_budget(SEARCH_BUDGET):
        response = anonymous.get("/shop/search", {"q": "保温杯"})
    assert response.content.decode().count('class="card"') == n
    with query_budget(CART_BUDGET):
        assert buyer.get("/shop/cart/").status_code == 200
