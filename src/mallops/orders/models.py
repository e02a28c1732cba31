"""Orders, stock and flash sales. Every row a merchant owns is scoped (MerchantScopedManager).

Stock columns of a ``StockItem``: ``available`` (can be reserved), ``reserved`` (held by unpaid or
unshipped orders and by flash-sale allocations), ``sold`` (paid). Every change writes a ``StockLedger``
row with the deltas, so for each item the ledger sums to the current columns (tests check it).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.orders.contracts import OrderStatus as OrderStatus  # defined in the facade; re-exported
from mallops.privacy.contracts import DataClass, PersonalField
from mallops.privacy.fields import EncryptedTextField
from mallops.tenancy.managers import MerchantScopedManager


class StockItem(models.Model):
    """Sellable stock of one SKU of one merchant. A catalogue SKU's row is linked to it
    (``stock.catalogue_sync``) and sells only while that SKU is active and its listing live."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(max_length=64, unique=True)
    catalogue_sku = models.OneToOneField(
        "catalogue.Sku", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True, default="")
    price_fen = models.BigIntegerField()
    available = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    sold = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available__gte=0), name="orders_stock_available_nonneg"
            ),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="orders_stock_reserved_nonneg"),
            models.CheckConstraint(condition=models.Q(price_fen__gte=0), name="orders_stock_price_nonneg"),
        ]

    def __str__(self) -> str:
        return self.sku_code


class Movement(models.TextChoices):
    RECEIVE = "receive", _("Received")
    RESERVE = "reserve", _("Reserved by an order")
    RELEASE = "release", _("Released (order cancelled)")
    SELL = "sell", _("Sold (order paid)")
    RETURN = "return", _("Returned")
    ADJUST = "adjust", _("Set by the merchant")
    FLASH_ALLOCATE = "flash_allocate", _("Allocated to a flash sale")
    FLASH_RELEASE = "flash_release", _("Released from a flash sale")


class StockLedger(models.Model):
    """One stock movement with its deltas (append-only)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=20, choices=Movement.choices)
    d_available = models.BigIntegerField(default=0)
    d_reserved = models.BigIntegerField(default=0)
    d_sold = models.BigIntegerField(default=0)
    order = models.ForeignKey("Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    flash_sale = models.ForeignKey(
        "FlashSale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # why a merchant set the stock by hand (``adjust`` movements); empty for the other kinds
    note = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id}"


class Checkout(models.Model):
    """The buyer's parent order: one per checkout request, split into one ``Order`` per merchant."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200)
    subtotal_fen = models.BigIntegerField()
    discount_fen = models.BigIntegerField()
    total_fen = models.BigIntegerField()
    quote = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "idempotency_key"], name="orders_checkout_idem_unique")
        ]

    def __str__(self) -> str:
        return f"checkout {self.pk}"


class ShippingRule(models.Model):
    """运费模板 in its simplest useful form (issue 21): one store's flat fee per order and an optional
    满 X 元包邮 threshold on the goods payable. No row (or ``fee_fen`` 0) means the store ships free (包邮).
    Written only by ``orders.shipping.shipping_rule_set``; read at checkout (``orders.shipping``)."""

    merchant = models.OneToOneField("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    fee_fen = models.BigIntegerField(default=0)
    # the goods payable (after promotions and coupons, before points) at which shipping is free; None: never
    free_over_fen = models.BigIntegerField(null=True, blank=True, default=None)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(fee_fen__gte=0), name="orders_shiprule_fee_nonneg"),
            models.CheckConstraint(
                condition=models.Q(free_over_fen__isnull=True) | models.Q(free_over_fen__gt=0),
                name="orders_shiprule_free_over_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"shipping {self.merchant_id}"


class ShippingWaiver(models.TextChoices):
    """Why an order's shipping is 0 although its store charges a fee ("" : it was charged, or the store
    ships free)."""

    NONE = "", _("None")
    THRESHOLD = "threshold", _("Free over the threshold")
    MEMBER = "member", _("Member free shipping")


class Order(models.Model):
    """One merchant's part of a checkout. Status moves only through ``orders.transitions``.

    Money: ``paid_fen`` is what the buyer pays for this order in cash: the goods payable (``subtotal_fen -
    discount_fen``) less the points tender plus ``shipping_fen``. The lines' ``paid_fen`` hold the goods
    only, so ``sum(lines.paid_fen) + shipping_fen == paid_fen``; shipping is paid back only by a refund of
    the whole order before it shipped (``orders.refunds.whole_refund_fen``).
    """

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    status_before_refund = models.CharField(max_length=20, blank=True, default="")
    flash_sale = models.ForeignKey(
        "FlashSale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subtotal_fen = models.BigIntegerField()
    discount_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    # the order's shipping line (运费), decided by the server at checkout (``orders.shipping``); in paid_fen
    shipping_fen = models.BigIntegerField(default=0)
    shipping_waiver = models.CharField(
        max_length=10, choices=ShippingWaiver.choices, blank=True, default=ShippingWaiver.NONE
    )
    # delivery address, copied from the buyer's address book at checkout (later edits do not change it)
    ship_recipient = EncryptedTextField(blank=True, default="")
    ship_phone = EncryptedTextField(blank=True, default="")
    ship_province = models.CharField(max_length=20, blank=True, default="")
    ship_city = models.CharField(max_length=30, blank=True, default="")
    ship_district = models.CharField(max_length=30, blank=True, default="")
    ship_detail = EncryptedTextField(blank=True, default="")
    carrier = models.CharField(max_length=40, blank=True, default="")
    tracking_number = models.CharField(max_length=64, blank=True, default="")
    ship_late = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    pay_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ship_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    complete_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = MerchantScopedManager()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "ship_recipient": PersonalField(DataClass.IDENTITY, purpose="delivery", mask="name"),
        "ship_phone": PersonalField(DataClass.CONTACT, purpose="delivery contact", mask="phone"),
        "ship_province": PersonalField(
            DataClass.CONTACT, purpose="delivery region, sales by region", mask="redact"
        ),
        "ship_city": PersonalField(
            DataClass.CONTACT, purpose="delivery region, sales by region", mask="redact"
        ),
        "ship_district": PersonalField(DataClass.CONTACT, purpose="delivery region", mask="redact"),
        "ship_detail": PersonalField(DataClass.CONTACT, purpose="delivery", mask="address"),
        "tracking_number": PersonalField(
            DataClass.TRANSACTION, purpose="parcel tracking shown to the buyer", mask="redact"
        ),
    }

    class Meta:
        indexes = [models.Index(fields=["merchant", "status", "created_at"], name="orders_order_m_st_c")]
        constraints = [
            # the refund cap (issue 16): the rule lives in core.money.refund_cap_check, this is its backstop
            models.CheckConstraint(
                condition=models.Q(refunded_fen__gte=0, refunded_fen__lte=models.F("paid_fen")),
                name="orders_order_refunded_le_paid",
            ),
            models.CheckConstraint(
                condition=models.Q(shipping_fen__gte=0, shipping_fen__lte=models.F("paid_fen")),
                name="orders_order_shipping_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """A priced line: ``amount_fen = unit_price_fen * qty``, ``paid_fen = amount_fen - discount_fen``.

    ``shares`` maps each promotion/coupon id to the fen it took off this line (for partial refunds).
    ``returned_qty`` counts the units that came back into stock (returns, a refund before shipping).
    ``return_terms`` is the copy of the product's after-sales terms the buyer confirmed at checkout
    (``{"return_policy": "eligible"|"excluded", "return_exclusion": "..."}``); None on lines written
    before the copy existed or without a catalogue product.
    """

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True, default="")
    unit_price_fen = models.BigIntegerField()
    qty = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    discount_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    shares = models.JSONField(default=dict)
    return_terms = models.JSONField(null=True, blank=True, default=None)
    # units of this line that came back into stock (``stock.return_units``); never more than ``qty``
    returned_qty = models.PositiveIntegerField(default=0)
    # fen of this line paid back (``orders.refunds``: every refund of the order is split over its lines, so
    # the lines' refunds sum to the order's ``refunded_fen``); never more than the line's ``paid_fen``
    refunded_fen = models.BigIntegerField(default=0)

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned_qty__lte=models.F("qty")), name="orders_line_returned_le_qty"
            ),
            # the refund cap per line (issue 16): the rule lives in core.money.refund_cap_check
            models.CheckConstraint(
                condition=models.Q(refunded_fen__gte=0, refunded_fen__lte=models.F("paid_fen")),
                name="orders_line_refunded_le_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} x{self.qty}"


class PartialRefund(models.Model):
    """One refund of part of an order that the provider confirmed (after-sales). ``reference`` names the
    caller's refund (``AS12``), so the same refund applied twice changes the order once."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="partial_refunds")
    reference = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    at = models.DateTimeField()

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "reference"], name="orders_partialrefund_ref_unique"),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="orders_partialrefund_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.reference}"


class FlashSale(models.Model):
    """限时抢购/限量发售: ``quantity`` units of one SKU at ``flash_price_fen``, ``per_buyer_limit`` each.

    ``claimed`` counts units held by live flash orders (database path; the Redis path mirrors it in a
    counter). At creation the quantity is allocated out of the item's available stock.
    """

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    flash_price_fen = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    per_buyer_limit = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    claimed = models.BigIntegerField(default=0)
    finalized = models.BooleanField(default=False)
    finalize_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)  # stopped early; finalized at the same time
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(claimed__gte=0), name="orders_flash_claimed_nonneg"),
            models.CheckConstraint(
                condition=models.Q(claimed__lte=models.F("quantity")), name="orders_flash_never_oversold"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FlashPurchase(models.Model):
    """Units one buyer holds in one flash sale (the per-buyer limit is checked against ``qty``)."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sale", "buyer"], name="orders_flashpurchase_unique")]

    def __str__(self) -> str:
        return f"{self.sale_id}:{self.buyer_id}={self.qty}"


class AttemptStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    ORDERED = "ordered", "ordered"
    REJECTED = "rejected", "rejected"


class FlashAttempt(models.Model):
    """One buyer's accepted "buy" in a flash sale and the order it became (``id`` is given to the buyer)."""

    id = models.CharField(primary_key=True, max_length=32)
    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=AttemptStatus.choices)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.id
