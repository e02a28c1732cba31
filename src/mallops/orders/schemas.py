"""API shapes of the orders app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from mallops.core.inputs import Count, Fen, Id, MultilineText, Quantity, Schema, StockLevel, Text


class CheckoutLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    sku: Text = Field(min_length=1, max_length=64)
    qty: int = Field(description="1 to 9,999 (checked by the service: 422 `invalid_qty`)")


class CheckoutIn(Schema):
    """Identifiers only: the server prices the cart from its own rows (unknown fields answer 422)."""

    model_config = ConfigDict(extra="forbid")

    lines: list[CheckoutLineIn] = Field(max_length=100)
    expected_total_fen: Fen | None = Field(
        default=None, description="The quote total the buyer saw; a different current total answers 409."
    )
    address_id: Id | None = Field(default=None, description="Delivery address; default: the buyer's default.")
    coupon_ids: list[Id] | None = Field(
        default=None,
        max_length=50,
        description="Consider only these of the buyer's own unused coupons (default: every usable one).",
    )
    points: Count = Field(
        default=0,
        description="Points the buyer wants to use; the server caps them by balance, rate and the per-order cap.",
    )


class OrderLineOut(Schema):
    id: int  # the line an after-sales request names (``order_line_id``)
    sku_code: str
    title: str
    unit_price_fen: int
    qty: int
    amount_fen: int
    discount_fen: int
    paid_fen: int
    shares: dict[str, int]


class OrderOut(Schema):
    id: int
    number: str
    merchant_id: int
    checkout_id: int
    status: str
    flash_sale_id: int | None
    subtotal_fen: int
    discount_fen: int
    paid_fen: int = Field(description="What the buyer pays: goods payable - points + shipping_fen.")
    refunded_fen: int
    shipping_fen: int = Field(description="The order's shipping (运费), decided by the server; 0: free.")
    shipping_waiver: str = Field(
        description='Why shipping is free although the store charges a fee: "threshold" (满额包邮), '
        '"member" (会员包邮, the buyer\'s tier); "" otherwise.'
    )
    ship_region: str
    carrier: str
    tracking_number: str
    ship_late: bool
    cancel_reason: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    pay_due_at: datetime | None
    ship_due_at: datetime | None
    complete_due_at: datetime | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_ship_region(obj: Any) -> str:
        """Province, city and district only: the full address is for the merchant's shipping label."""
        return f"{obj.ship_province}{obj.ship_city}{obj.ship_district}"

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        from mallops.orders.selectors import order_lines

        return order_lines(obj)


class CheckoutOut(Schema):
    id: int
    subtotal_fen: int
    discount_fen: int
    total_fen: int
    quote: dict[str, Any]
    orders: list[OrderOut]


class ShippingRuleIn(Schema):
    """A store's shipping rule (运费模板); the store is the caller's own (unknown fields answer 422)."""

    fee_fen: Fen = Field(description="Flat shipping fee per order in fen; 0: the store ships free (包邮).")
    free_over_fen: Fen | None = Field(
        default=None,
        description="满 X 元包邮: goods payable (after promotions and coupons, before points) from which "
        "shipping is free; null: no threshold.",
    )


class ShippingRuleOut(Schema):
    merchant_id: int  # the caller's own store
    fee_fen: int
    free_over_fen: int | None


class ShipIn(Schema):
    # validated by the service (after the tenancy look-up, so another merchant's order is a plain 404)
    carrier: Text = Field(default="", max_length=20)
    tracking_number: Text = Field(default="", max_length=64)


class RefundRequestIn(Schema):
    reason: MultilineText = Field(default="", max_length=40)


class StockIn(Schema):
    sku_code: Text = Field(min_length=1, max_length=64)
    qty: StockLevel = 0
    price_fen: Fen | None = None
    title: Text = Field(default="", max_length=200)


class StockOut(Schema):
    id: int
    sku_code: str
    title: str
    price_fen: int
    available: int
    reserved: int
    sold: int
    catalogue_sku_id: int | None = Field(
        description="The catalogue SKU this row sells (None: stock API only)."
    )
    catalogue_sku_code: str | None = None
    listing_status: str | None = Field(
        default=None,
        description="Status of the catalogue product's listing (None: unlinked or never submitted).",
    )
    on_sale: bool = Field(
        default=False, description="Checkout sells it: a catalogue SKU, active, its listing live."
    )

    @staticmethod
    def resolve_catalogue_sku_code(obj: Any) -> str | None:
        sku = obj.catalogue_sku if obj.catalogue_sku_id else None
        return None if sku is None else str(sku.code)

    @staticmethod
    def resolve_listing_status(obj: Any) -> str | None:
        return getattr(obj, "listing_status", None)

    @staticmethod
    def resolve_on_sale(obj: Any) -> bool:
        if not obj.catalogue_sku_id:
            return False  # no approved catalogue SKU: never sells (issue 16)
        return bool(obj.catalogue_sku.is_active) and getattr(obj, "listing_status", None) == "live"


class StockLedgerOut(Schema):
    id: int
    kind: str
    d_available: int
    d_reserved: int
    d_sold: int
    order_number: str | None = None
    flash_sale_id: int | None
    note: str
    at: datetime

    @staticmethod
    def resolve_order_number(obj: Any) -> str | None:
        return str(obj.order.number) if obj.order_id else None


class StockSetIn(Schema):
    # validated by the service (after the tenancy look-up, so another store's row is a plain 404)
    available: int | None = None
    reason: MultilineText = ""


class FlashSaleIn(Schema):
    sku_code: Text = Field(min_length=1, max_length=64)
    title: Text = Field(max_length=200)
    flash_price_fen: Fen
    quantity: Count
    per_buyer_limit: Count = 1
    starts_at: datetime
    ends_at: datetime


class FlashSaleOut(Schema):
    id: int
    merchant_id: int
    sku_code: str
    title: str
    flash_price_fen: int
    quantity: int
    per_buyer_limit: int
    starts_at: datetime
    ends_at: datetime
    claimed: int
    finalized: bool

    @staticmethod
    def resolve_sku_code(obj: Any) -> str:
        return str(obj.item.sku_code)


class AttemptIn(Schema):
    qty: Quantity = 1


class AttemptOut(Schema):
    attempt_id: str
    status: str
    order_id: int | None = None
    order_number: str = ""
    path: str


class ReconcileOut(Schema):
    sale_id: int
    quantity: int
    claimed_db: int
    ordered_units: int
    queued_units: int
    redis_stock: int | None
    mismatches: list[str]
    repaired: bool
    ok: bool
