"""A flash sale sells only a SKU approved in the catalogue (issue 16: one owner per fact).

Stock rows made through the stock API before issue 16 have no catalogue SKU: nothing reviewed or
screened them, and checkout refuses them (``sku_not_approved``). A flash sale on such a row is refused
the same way, before anything is claimed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.orders.flash import services as flash
from mallops.orders.models import FlashAttempt, FlashPurchase, FlashSale, Order, StockItem
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer, make_stock


def _sale_of(item: StockItem) -> FlashSale:
    now = timezone.now()
    return flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="秒杀 测试",
        flash_price_fen=500,
        quantity=5,
        per_buyer_limit=2,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )


@pytest.mark.django_db
def test_a_flash_sale_of_a_sku_without_an_approved_catalogue_listing_sells_nothing() -> None:
    # given a sale on a bare stock row and one on an approved SKU of the same store
    merchant, _ = make_merchant()
    bare = _sale_of(make_stock(merchant, available=20, approved=False))
    approved = _sale_of(make_stock(merchant, available=20))
    buyer = make_buyer()

    # when the buyer presses "buy" on the bare row's sale
    with pytest.raises(DomainError) as refused:
        flash.flash_attempt(actor=actor_of(buyer), sale_id=bare.pk, qty=1)

    # then it is refused and nothing was claimed or written
    assert (refused.value.code, refused.value.status) == ("sku_not_approved", 409)
    bare.refresh_from_db()
    assert bare.claimed == 0
    assert not FlashPurchase.objects.filter(sale=bare).exists()
    assert not FlashAttempt.objects.filter(sale=bare).exists()
    assert not Order.objects.unscoped(reason="test").filter(flash_sale=bare).exists()
    # and the approved SKU's sale sells as before
    assert flash.flash_attempt(actor=actor_of(buyer), sale_id=approved.pk, qty=1).status == "ordered"
