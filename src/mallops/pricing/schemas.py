"""API shapes of promotions, coupon batches, coupons, the cart quote and price suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class TierIn(Schema):
    min: int
    off: int


class SkuPriceIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    price_fen: int
    reference_price_fen: int | None = None


class PromotionIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    kind: str
    starts_at: datetime
    ends_at: datetime
    percent: int = 0
    amount_fen: int = 0
    n: int = 0
    tiers: list[TierIn] = []
    repeat: bool = False
    cap_fen: int | None = None
    min_qty: int = 0
    with_coupons: bool = True
    members_only: bool = False
    time_limited: bool = False
    skus: list[str] = []
    categories: list[str] = []
    merchants: list[int] = []
    sku_prices: list[SkuPriceIn] = []
    per_buyer_limit: int | None = None
    total_limit: int | None = None
    budget_fen: int | None = None
    description: str = Field(default="", max_length=200)
    rules_text: str | None = Field(default=None, description="Omit to generate the rules from the promotion")


class PromotionOut(Schema):
    id: int
    merchant_id: int | None
    name: str
    kind: str
    layer: str
    status: str
    starts_at: datetime
    ends_at: datetime
    percent: int
    amount_fen: int
    n: int
    tiers: list[dict[str, int]]
    repeat: bool
    cap_fen: int | None
    min_qty: int
    with_coupons: bool
    members_only: bool
    time_limited: bool
    skus: list[str]
    categories: list[str]
    merchants: list[int]
    sku_prices: list[dict[str, Any]]
    per_buyer_limit: int | None
    total_limit: int | None
    used_count: int
    budget_fen: int | None
    spent_fen: int
    description: str
    rules_text: str
    findings: list[dict[str, Any]]


class CheckOut(Schema):
    blocked: bool
    findings: list[dict[str, Any]]
    generated_rules_text: str


class BatchIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    starts_at: datetime
    ends_at: datetime
    total_quantity: int
    min_fen: int = 0
    off_fen: int | None = None
    percent: int | None = None
    max_off_fen: int | None = None
    skus: list[str] = []
    members_only: bool = False
    valid_days: int | None = None
    per_buyer_limit: int = 1
    style: str = "voucher"
    claim_code: str | None = Field(default=None, description='A code buyers claim with; "auto" generates one')


class BatchOut(Schema):
    id: int
    merchant_id: int | None
    name: str
    style: str
    layer: str
    min_fen: int
    off_fen: int | None
    percent: int | None
    max_off_fen: int | None
    skus: list[str]
    members_only: bool
    starts_at: datetime
    ends_at: datetime
    valid_days: int | None
    total_quantity: int
    issued_count: int
    per_buyer_limit: int
    claim_code: str | None
    status: str


class IssueIn(Schema):
    buyers: list[str] = Field(description="Buyer usernames")


class IssueOut(Schema):
    issued: list[int]
    refused: dict[str, str]


class ClaimIn(Schema):
    code: str = Field(min_length=1, max_length=32)


class CouponOut(Schema):
    id: int
    batch_id: int
    name: str
    layer: str
    merchant_id: int | None
    min_fen: int
    off_fen: int | None
    percent: int | None
    max_off_fen: int | None
    status: str
    valid_from: datetime
    expires_at: datetime
    used_at: datetime | None

    @staticmethod
    def from_row(row: Any) -> CouponOut:
        b = row.batch
        return CouponOut(
            id=row.pk,
            batch_id=b.pk,
            name=b.name,
            layer=b.layer,
            merchant_id=row.merchant_id,
            min_fen=b.min_fen,
            off_fen=b.off_fen,
            percent=b.percent,
            max_off_fen=b.max_off_fen,
            status=row.status,
            valid_from=row.valid_from,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )


class CartLineIn(Schema):
    id: str | None = Field(default=None, description="Line id (default L1, L2, ...)")
    sku: str = Field(min_length=1, max_length=64, description="SKU code of the merchant")
    merchant_id: int
    unit_price_fen: int
    qty: int
    category: str = ""


class CartIn(Schema):
    lines: list[CartLineIn]
    coupon_ids: list[int] | None = Field(default=None, description="Only these held coupons (default: all)")


class SuggestionIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    current_price_fen: int = Field(ge=1)
    unit_cost_fen: int = Field(ge=0)
    competitor_prices_fen: list[int] = []
    sales_last_30d: int = Field(default=0, ge=0)
    sales_prev_30d: int = Field(default=0, ge=0)
    stock: int = Field(default=0, ge=0)
    month: int = Field(default=0, ge=0, le=12, description="0: the current month")
    peak_months: list[int] = []
    off_months: list[int] = []


class SuggestionsIn(Schema):
    items: list[SuggestionIn] = Field(min_length=1, max_length=200)
    target_margin_percent: int = Field(default=30, ge=0, le=500)
    min_margin_percent: int = Field(default=5, ge=0, le=100)
