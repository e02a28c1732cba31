"""The sellable price has one writer (issue 16): ``catalogue.services`` writes the SKU's price and a
``PriceHistory`` row (the 7-day-lowest check reads them) and the stock row follows; the merchant stock
API delegates to it and cannot create a sellable row for a code without a catalogue SKU."""

from __future__ import annotations

import csv
import io
import json

import pytest

from mallops.accounts.actors import actor_of
from mallops.catalogue import services
from mallops.catalogue.contracts import SkuInput
from mallops.catalogue.fixtures import make_product, product_input
from mallops.catalogue.models import PriceHistory, Sku
from mallops.orders.models import StockItem
from mallops.review.importing import listing_import
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db


def _prices(merchant_id: int, code: str) -> tuple[list[int], int, int]:
    """(price history of the SKU, the SKU's price, its stock row's price)"""
    sku = Sku.objects.for_merchant(merchant_id).get(code=code)
    history = PriceHistory.objects.for_merchant(merchant_id).filter(sku=sku).order_by("changed_at", "pk")
    item = StockItem.objects.for_merchant(merchant_id).get(sku_code=code)
    return list(history.values_list("price_fen", flat=True)), sku.price_fen, item.price_fen


def test_every_way_to_change_a_price_leaves_a_history_row_and_the_stock_row_follows() -> None:
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)  # A-1 at 3900, A-2 at 4200
    api = ApiClient(token=token_for(owner))
    assert _prices(merchant.pk, "A-1") == ([3900], 3900, 3900)
    # the catalogue API
    sku = Sku.objects.for_merchant(merchant.pk).get(code="A-1")
    answer = api.post_json(f"/api/v1/merchant/skus/{sku.pk}/price", {"price_fen": 3500})
    assert answer.status_code == 200, answer.content
    assert _prices(merchant.pk, "A-1") == ([3900, 3500], 3500, 3500)
    # the merchant stock API (once a second writer without history): delegates to the catalogue
    answer = api.post_json("/api/v1/merchant/stock", {"sku_code": "A-1", "qty": 2, "price_fen": 3300})
    assert answer.status_code in (200, 201), answer.content
    assert json.loads(answer.content)["price_fen"] == 3300
    assert _prices(merchant.pk, "A-1") == ([3900, 3500, 3300], 3300, 3300)
    # the product form (console and API edit) and the import both write through product_create/update
    data = product_input(
        skus=[
            SkuInput(code="A-1", price_fen=3100, stock=50, spec_values={"颜色": "白色"}),
            SkuInput(code="A-2", price_fen=4200, stock=30, spec_values={"颜色": "蓝色"}),
        ]
    )
    services.product_update(actor=actor_of(owner), merchant_id=merchant.pk, product_id=product.pk, data=data)
    assert _prices(merchant.pk, "A-1") == ([3900, 3500, 3300, 3100], 3100, 3100)
    assert _prices(merchant.pk, "A-2") == ([4200], 4200, 4200)  # unchanged price: no new row


def test_an_imported_product_starts_its_price_history() -> None:
    merchant, owner = make_merchant()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["external_code", "category_code", "title", "attr:origin", "sku_code", "spec", "price", "stock"]
    )
    writer.writerow(["MUG-9", "general", "陶瓷马克杯", "江西", "MUG-9-W", "颜色=白", "39.00", "10"])
    report = listing_import(
        actor=actor_of(owner),
        merchant_id=merchant.pk,
        filename="a.csv",
        content=buffer.getvalue().encode(),
        confirm=True,
    )
    assert report.errors == [] and len(report.created_product_ids) == 1
    assert _prices(merchant.pk, "MUG-9-W") == ([3900], 3900, 3900)


@pytest.mark.parametrize("price", [None, 100])
def test_the_stock_api_cannot_create_a_row_for_a_code_without_a_catalogue_sku(price: int | None) -> None:
    merchant, owner = make_merchant()
    body = {"sku_code": "FREE-1", "qty": 5} | ({"price_fen": price} if price else {})
    answer = ApiClient(token=token_for(owner)).post_json("/api/v1/merchant/stock", body)
    assert answer.status_code == 422, answer.content
    problem = json.loads(answer.content)
    assert [(e["loc"], e["code"]) for e in problem["errors"]] == [(["body", "sku_code"], "sku_not_approved")]
    assert not StockItem.objects.for_merchant(merchant.pk).exists()
