"""Test rows of flash sales (the tenancy walk)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mallops.accounts.models import Merchant
from mallops.orders.models import FlashSale


def flash_walk_rows(a: Merchant, b: Merchant) -> dict[str, int]:
    """A flash sale (starting tomorrow, on a fresh stock row) of each merchant; returns B's ids."""
    from mallops.testing.orders import make_stock

    def sale(merchant: Merchant) -> FlashSale:
        item = make_stock(merchant, price_fen=9900, available=10)
        start = timezone.now() + timedelta(days=1)
        row: FlashSale = FlashSale.objects.create(
            merchant=merchant,
            item=item,
            title="walk",
            flash_price_fen=4900,
            quantity=1,
            per_buyer_limit=1,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            finalize_due_at=start + timedelta(hours=1),
        )
        return row

    sale(a)
    return {"sale_id": sale(b).pk}
