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


class SearchDoc(models.Model):
    """One live product in the search index: its jieba-segmented text and the ranking inputs, rewritten
    whenever its listing changes (``services.search_index_product``). The full-text index sits beside it:
    an FTS5 table ``storefront_search_fts`` (rowid = this id) on SQLite, a GIN index over
    ``to_tsvector('simple', tokens)`` on PostgreSQL (migration 0002). Sales are not stored here: the
    ranking and the 销量 sort read them per result list (``rank_inputs``; migration 0005 dropped the
    stale lifetime ``sales_units``)."""

    product_id = models.BigIntegerField(unique=True)
    merchant_id = models.BigIntegerField(db_index=True)
    category_code = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=200)
    image_url = models.CharField(max_length=500, blank=True, default="")
    tokens = models.TextField()
    # the product's SKU codes (the personal affinity factor maps a buyer's ordered SKUs to categories)
    sku_codes = models.JSONField(default=list)
    min_price_fen = models.BigIntegerField()
    review_mean = models.FloatField(null=True, blank=True)
    review_count = models.IntegerField(default=0)
    quality_score = models.IntegerField(default=0)
    indexed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.product_id} {self.title}"
