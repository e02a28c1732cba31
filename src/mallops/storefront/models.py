"""The storefront's own rows: the buyer's server-side cart (prices are never stored here; the quote
prices every line from the server's rows each time the cart is shown)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField

MAX_CART_LINES = 100
MAX_LINE_QTY = 9999


class CartLine(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sku_code = models.CharField(max_length=64)
    qty = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "buyer": PersonalField(DataClass.TRANSACTION, purpose="the buyer's own cart before checkout"),
        "sku_code": PersonalField(
            DataClass.BROWSING, purpose="what the buyer put in the cart (shown back to them only)"
        ),
        "qty": PersonalField(DataClass.BROWSING, purpose="how many units the buyer put in the cart"),
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "sku_code"], name="storefront_cart_one_line_per_sku"),
            models.CheckConstraint(
                condition=models.Q(qty__gte=1, qty__lte=MAX_LINE_QTY), name="storefront_cart_qty_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id}:{self.sku_code}x{self.qty}"
