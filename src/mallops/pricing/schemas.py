"""API shapes of promotions, coupon batches, coupons, the cart quote and price suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, ConfigDict, Field

from mallops.core.inputs import MultilineText, Schema

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_FEN = 10**12  # ¥10 billion: far above any price, far below the database's integer range
MAX_COUNT = 10**9


def _aware(value: datetime) -> datetime:
    """A time without offset is Beijing time; years outside 2000-2100 are refused."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


Moment = Annotated[datetime, AfterValidator(_aware)]
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class TierIn(Schema):
    min: Fen
    off: Fen


class SkuPriceIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    price_fen: Fen
    reference_price_fen: Fen | None = None


class PromotionIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    kind: str = Field(max_length=20)
    starts_at: Moment
    ends_at: Moment
    percent: int = Field(default=0, ge=0, le=100)
    amount_fen: Fen = 0
    n: int = Field(default=0, ge=0, le=1000)
    tiers: list[TierIn] = Field(default=[], max_length=20)
    repeat: bool = False
    cap_fen: Fen | None = None
    min_qty: Count = 0
    with_coupons: bool = True
    members_only: bool = False
    time_limited: bool = False
    skus: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default=[], max_length=1000)
    categories: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default=[], max_length=200)
    merchants: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default=[], max_length=1000)
    sku_prices: list[SkuPriceIn] = Field(default=[], max_length=1000)
    per_buyer_limit: Count | None = None
    total_limit: Count | None = None
    budget_fen: Fen | None = None
    description: MultilineText = Field(default="", max_length=200)
    rules_text: MultilineText | None = Field(
        default=None, max_length=5000, description="Omit to generate the rules from the promotion"
    )


class PromotionPatchIn(Schema):
    """A partial edit of a draft: the fields sent replace the draft's (``PromotionIn`` for their meaning);
    ``rules_text`` left out regenerates generated rules and keeps a merchant's own."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    kind: str | None = Field(default=None, max_length=20)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    percent: int | None = Field(default=None, ge=0, le=100)
    amount_fen: Fen | None = None
    n: int | None = Field(default=None, ge=0, le=1000)
    tiers: list[TierIn] | None = Field(default=None, max_length=20)
    repeat: bool | None = None
    cap_fen: Fen | None = None
    min_qty: Count | None = None
    with_coupons: bool | None = None
    members_only: bool | None = None
    time_limited: bool | None = None
    skus: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=1000
    )
    categories: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=200
    )
    merchants: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(default=None, max_length=1000)
    sku_prices: list[SkuPriceIn] | None = Field(default=None, max_length=1000)
    per_buyer_limit: Count | None = None
    total_limit: Count | None = None
    budget_fen: Fen | None = None
    description: MultilineText | None = Field(default=None, max_length=200)
    rules_text: MultilineText | None = Field(default=None, max_length=5000)


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


class PublicPromotionOut(Schema):
    """What a buyer sees of a live promotion: the generated rules and the terms the engine applies."""

    id: int
    name: str
    kind: str
    layer: str
    merchant_id: int | None
    starts_at: datetime
    ends_at: datetime
    with_coupons: bool
    members_only: bool
    rules_text: str


class CheckOut(Schema):
    blocked: bool
    findings: list[dict[str, Any]]
    generated_rules_text: str


class BatchIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    starts_at: Moment
    ends_at: Moment
    total_quantity: int = Field(ge=0, le=10**7)
    min_fen: Fen = 0
    off_fen: Fen | None = None
    percent: int | None = Field(default=None, ge=0, le=100)
    max_off_fen: Fen | None = None
    skus: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default=[], max_length=1000)
    members_only: bool = False
    valid_days: int | None = Field(default=None, ge=0, le=3650)
    per_buyer_limit: int = Field(default=1, ge=0, le=10**6)
    style: str = Field(default="voucher", max_length=20)
    claim_code: str | None = Field(default=None, description='A code buyers claim with; "auto" generates one')


class BatchPatchIn(Schema):
    """A partial edit of a batch nobody holds a coupon of yet: the fields sent replace the batch's."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    total_quantity: int | None = Field(default=None, ge=0, le=10**7)
    min_fen: Fen | None = None
    off_fen: Fen | None = None
    percent: int | None = Field(default=None, ge=0, le=100)
    max_off_fen: Fen | None = None
    skus: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=1000
    )
    members_only: bool | None = None
    valid_days: int | None = Field(default=None, ge=0, le=3650)
    per_buyer_limit: int | None = Field(default=None, ge=0, le=10**6)
    style: str | None = Field(default=None, max_length=20)
    claim_code: str | None = Field(default=None, description='A new claim code; "auto" generates one')


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
    buyers: list[Annotated[str, Field(max_length=150)]] = Field(
        description="Buyer usernames", max_length=1000
    )


class IssueOut(Schema):
    issued: list[int]
    refused: dict[str, str]
    no_consent: int = Field(
        0, description="Buyers skipped without marketing consent (refused no_marketing_consent)"
    )
    no_consent_reason: str = Field("", description="Why they were skipped, in Chinese (empty when none)")


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


class CartQuoteLineIn(Schema):
    """Identifiers and a quantity only: price and category come from the catalogue."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=32, description="Line id (default L1, L2, ...)")
    sku: str = Field(default="", max_length=64, description="SKU code of the merchant")
    sku_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="Catalogue SKU id")
    merchant_id: int = Field(ge=1, le=2**31 - 1)
    qty: int = Field(le=10**6)


class CartIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lines: list[CartQuoteLineIn] = Field(max_length=200)
    coupon_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        default=None, max_length=100, description="Only these held coupons (default: all)"
    )


class SuggestionIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    current_price_fen: int = Field(ge=1, le=MAX_FEN)
    unit_cost_fen: Fen
    competitor_prices_fen: list[Fen] = Field(default=[], max_length=100)
    sales_last_30d: Count = 0
    sales_prev_30d: Count = 0
    stock: Count = 0
    month: int = Field(default=0, ge=0, le=12, description="0: the current month")
    peak_months: list[Annotated[int, Field(ge=1, le=12)]] = Field(default=[], max_length=12)
    off_months: list[Annotated[int, Field(ge=1, le=12)]] = Field(default=[], max_length=12)


class SuggestionsIn(Schema):
    items: list[SuggestionIn] = Field(min_length=1, max_length=200)
    target_margin_percent: int = Field(default=30, ge=0, le=500)
    min_margin_percent: int = Field(default=5, ge=0, le=100)
