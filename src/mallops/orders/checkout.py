"""Checkout: a cart spanning merchants becomes one ``Checkout`` and one ``Order`` per merchant.

Pricing comes from the pure engine (``mallops.pricing.engine``) fed only from the server's own rows: unit
prices from the stock rows, the live promotions of the cart's stores and the platform, the buyer's own
unused coupons and the buyer's memberships. The buyer names SKUs, quantities, an address and (optionally)
which held coupons to consider; no price, discount, offer, membership or shipping comes from the request.
Each merchant order gets its shipping line from its store's rule (``orders.shipping``), outside the quote.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from mallops.accounts.actors import user_row
from mallops.accounts.selectors import buyer_address, buyer_default_address
from mallops.audit.services import audit_record, audited
from mallops.catalogue.selectors import sku_return_terms
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, validation_error
from mallops.orders import conf, stock
from mallops.orders.errors import OrdersCode
from mallops.orders.models import Checkout, Order, OrderLine, StockItem
from mallops.orders.permissions import require_buyer as require_buyer  # re-exported (ADR 0006)
from mallops.orders.public.selectors import LISTING_LIVE, STOCK_COLUMNS, sale_rows
from mallops.orders.shipping import ShippingCharge, rule_of, shipping_charges, shipping_json
from mallops.orders.tender import TenderLine, TenderPlan, points_tender
from mallops.pricing.engine import Quote, quote, quote_to_json

MAX_LINES = 100
MAX_QTY = 9999


@dataclass(frozen=True)
class CartLine:
    sku: str
    qty: int


@dataclass(frozen=True)
class CheckoutRequest:
    """What a buyer may choose: identifiers only (the server prices everything from its own rows)."""

    lines: list[CartLine]
    expected_total_fen: int | None = None
    address_id: int | None = None
    # which of the buyer's own unused coupons to consider (None: every usable held coupon)
    coupon_ids: list[int] | None = None
    # points the buyer wants to use (R2.3.1): the server caps them by balance and rule (``orders.tender``)
    points: int = 0


def new_order_number(now: datetime) -> str:
    return now.strftime("%Y%m%d") + f"{secrets.randbelow(10**12):012d}"


def address_snapshot(buyer_id: int, address_id: int | None = None) -> dict[str, str]:
    """The delivery address snapshot: the chosen one, else the buyer's default (none: left empty)."""
    if address_id is not None:
        address = buyer_address(buyer_id=buyer_id, address_id=address_id)
        if address is None:
            raise validation_error(
                [FieldError(("body", "address_id"), "Unknown address.", "unknown_address")]
            )
    else:
        address = buyer_default_address(buyer_id=buyer_id)
    if address is None:
        return {}
    return {
        "ship_recipient": address.recipient,
        "ship_phone": address.phone,
        "ship_province": address.province,
        "ship_city": address.city,
        "ship_district": address.district,
        "ship_detail": address.detail,
    }


@dataclass(frozen=True)
class CartRows:
    """One read of a cart's stock rows (``read_cart_rows``): the rows by SKU code (with their store's
    shipping rule), their catalogue category codes, and the codes checkout refuses and why."""

    items: dict[str, StockItem]
    categories: dict[str, str]
    off_sale: set[str]
    unapproved: set[str]
    suspended: set[int]

    def sells(self, sku: str) -> bool:
        """Whether checkout accepts this SKU (known, approved, on sale, its store not suspended)."""
        item = self.items.get(sku)
        return (
            item is not None
            and item.merchant_id not in self.suspended
            and sku not in self.unapproved
            and sku not in self.off_sale
        )


def read_cart_rows(skus: list[str]) -> CartRows:
    """The stock rows of ``skus`` (with their store's shipping rule, read back with ``rule_of``) and their
    sale state: one query whatever the number of SKUs (``orders.public.selectors.sale_rows``, compiled once
    per connection), the rows made model instances as the ORM makes them."""
    items: dict[str, StockItem] = {}
    categories: dict[str, str] = {}
    off_sale: set[str] = set()
    unapproved: set[str] = set()
    suspended: set[int] = set()
    for row in sale_rows(sku_codes=skus):
        item = StockItem.from_db(DEFAULT_DB_ALIAS, STOCK_COLUMNS, [row[name] for name in STOCK_COLUMNS])
        item.shipping_fee_fen = row["shipping_fee_fen"]  # type: ignore[attr-defined]  # as with_store_rules
        item.shipping_free_over_fen = row["shipping_free_over_fen"]  # type: ignore[attr-defined]
        code = item.sku_code
        items[code] = item
        if not item.catalogue_sku_id:
            unapproved.add(code)  # never reviewed (``stock.not_approved``)
        else:
            categories[code] = row["catalogue_sku__product__category__code"] or ""
            if not row["catalogue_sku__is_active"] or row["listing_status"] != LISTING_LIVE:
                off_sale.add(code)  # ``stock.not_on_sale``
        if not row["merchant__is_active"]:
            suspended.add(item.merchant_id)
    return CartRows(
        items=items, categories=categories, off_sale=off_sale, unapproved=unapproved, suspended=suspended
    )


def _validate(
    req: CheckoutRequest, rows: CartRows | None = None
) -> tuple[dict[str, StockItem], dict[str, str]]:
    """The cart's stock rows by SKU code and their catalogue category codes (for category-scoped offers);
    ``rows``: the caller's read of the same SKUs (``read_cart_rows``), not read again."""
    errors: list[FieldError] = []
    if not req.lines:
        errors.append(FieldError(("body", "lines"), "The cart is empty.", "empty_cart"))
    if len(req.lines) > MAX_LINES:
        errors.append(FieldError(("body", "lines"), f"At most {MAX_LINES} lines.", "too_many_lines"))
    seen: set[str] = set()
    for i, line in enumerate(req.lines):
        if line.qty <= 0 or line.qty > MAX_QTY:
            errors.append(
                FieldError(("body", "lines", i, "qty"), f"Quantity must be 1 to {MAX_QTY}.", "invalid_qty")
            )
        if line.sku in seen:
            errors.append(FieldError(("body", "lines", i, "sku"), "SKU listed twice.", "duplicate_sku"))
        seen.add(line.sku)
    rows = rows or read_cart_rows([line.sku for line in req.lines])
    items, categories = rows.items, rows.categories
    off_sale, unapproved, suspended = rows.off_sale, rows.unapproved, rows.suspended
    for i, line in enumerate(req.lines):
        if line.sku not in items:
            errors.append(FieldError(("body", "lines", i, "sku"), "Unknown SKU.", "unknown_sku"))
        elif items[line.sku].merchant_id in suspended:
            errors.append(
                FieldError(("body", "lines", i, "sku"), "This store is suspended.", "merchant_suspended")
            )
        elif line.sku in unapproved:
            errors.append(
                FieldError(
                    ("body", "lines", i, "sku"),
                    "This SKU has no approved catalogue listing.",
                    "sku_not_approved",
                )
            )
        elif line.sku in off_sale:
            errors.append(FieldError(("body", "lines", i, "sku"), "This SKU is not on sale.", "not_on_sale"))
    if errors:
        raise validation_error(errors)
    return items, categories


def _cart_lines(req: CheckoutRequest, items: dict[str, StockItem], categories: dict[str, str]) -> list[Any]:
    from mallops.pricing.adapters import CartLine as PricingLine

    return [
        PricingLine(
            id=f"L{i + 1}",
            sku=line.sku,
            merchant_id=items[line.sku].merchant_id,
            unit_price_fen=items[line.sku].price_fen,
            qty=line.qty,
            category=categories.get(line.sku, ""),
        )
        for i, line in enumerate(req.lines)
    ]


def price_cart(
    actor: Actor, req: CheckoutRequest, items: dict[str, StockItem], categories: dict[str, str], now: datetime
) -> Quote:
    """The engine's best combination over the server's own offers for this buyer and cart."""
    return _price_named(actor, req, items, categories, now)[0]


def _price_named(
    actor: Actor, req: CheckoutRequest, items: dict[str, StockItem], categories: dict[str, str], now: datetime
) -> tuple[Quote, dict[str, dict[str, Any]]]:
    """``price_cart`` and the label of each offer it considered (engine id → type, name, ...)."""
    from mallops.pricing.cart import build_scenario

    scenario, labels = build_scenario(
        buyer=actor, lines=_cart_lines(req, items, categories), coupon_ids=req.coupon_ids, at=now
    )
    return quote(scenario), labels


def _redeem(buyer_id: int, q: Quote, checkout: Checkout) -> None:
    """Count the live promotions and use the coupons the quote applied (409 when one ran out meanwhile)."""
    applied = [a for a in q.applied if a.amount > 0]
    live = [a for a in applied if a.id[:1] in ("P", "C") and a.id[1:].isdigit()]
    if not live:
        return
    from mallops.pricing.coupons import coupon_redeem
    from mallops.pricing.models import Coupon, Promotion
    from mallops.pricing.services import promotion_redeem

    ref = f"checkout:{checkout.pk}"
    for offer in live:
        pk = int(offer.id[1:])
        if offer.id[0] == "P" and Promotion.objects.unscoped(reason="redeem").filter(pk=pk).exists():
            promotion_redeem(promotion_id=pk, buyer_id=buyer_id, order_ref=ref, discount_fen=offer.amount)
        elif offer.id[0] == "C" and Coupon.objects.for_buyer(buyer_id).filter(pk=pk).exists():
            coupon_redeem(buyer_id=buyer_id, coupon_id=pk, order_ref=ref)


def _points_plan(
    buyer_id: int, req: CheckoutRequest, q: Quote
) -> tuple[TenderPlan | None, dict[str, tuple[int, int]]]:
    """The points tender (R2.3.1): the requested points capped by balance and rule, and each line's
    (points, fen), split like a discount. Points pay part of ``q.total``; the quote itself is unchanged."""
    tender = points_tender()
    if req.points <= 0 or tender is None:
        return None, {}
    plan = tender.plan(buyer_id=buyer_id, requested=req.points, payable_fen=q.total)
    parts = tender.split(points=plan.points, fen=plan.fen, line_paid_fen=[ln.paid for ln in q.lines])
    return plan, {ln.id: part for ln, part in zip(q.lines, parts, strict=True)}


def _points_json(plan: TenderPlan, q: Quote) -> dict[str, int]:
    return {"balance": plan.balance, "used": plan.points, "fen": plan.fen, "cash_total": q.total - plan.fen}


def _shipping(
    buyer_id: int, req: CheckoutRequest, items: dict[str, StockItem], q: Quote, now: datetime
) -> dict[int, ShippingCharge]:
    """Each merchant order's shipping line (``orders.shipping``), on its goods payable: the quote's
    ``paid`` of its lines (after promotions and coupons, before points). The request has no say in it."""
    goods: dict[int, int] = {}
    rules = {}
    for line, qline in zip(req.lines, q.lines, strict=True):
        item = items[line.sku]
        goods[item.merchant_id] = goods.get(item.merchant_id, 0) + qline.paid
        rules[item.merchant_id] = rule_of(item)
    charges = shipping_charges(buyer_id=buyer_id, goods_by_merchant=goods, rules=rules, at=now)
    return {c.merchant_id: c for c in charges}


def _pay_json(q: Quote, plan: TenderPlan | None, charges: dict[int, ShippingCharge]) -> dict[str, Any]:
    """The shipping block and what the buyer pays in all: goods payable - points + shipping."""
    shipping = shipping_json(list(charges.values()))
    points_fen = plan.fen if plan is not None else 0
    return {"shipping": shipping, "pay_fen": q.total - points_fen + shipping["total_fen"]}


def checkout_quote(*, actor: Actor, req: CheckoutRequest, now: datetime | None = None) -> dict[str, Any]:
    """The quote the buyer sees before checking out (send its ``total`` as ``expected_total_fen``);
    with ``points``, also what they pay (``points``: balance, used, fen, cash_total). Beside the engine's
    quote (unchanged): ``shipping`` (each merchant order's shipping line, ``orders.shipping``) and
    ``pay_fen``, what the buyer pays in all (goods payable - points + shipping)."""
    buyer_id = require_buyer(actor)
    now = now or timezone.now()
    items, categories = _validate(req)
    return _quote_json(actor, buyer_id, req, items, categories, now)[0]


def _quote_json(
    actor: Actor,
    buyer_id: int,
    req: CheckoutRequest,
    items: dict[str, StockItem],
    categories: dict[str, str],
    now: datetime,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    q, labels = _price_named(actor, req, items, categories, now)
    out = quote_to_json(q)
    plan, _lines = _points_plan(buyer_id, req, q)
    if plan is not None:
        out["points"] = _points_json(plan, q)
    out.update(_pay_json(q, plan, _shipping(buyer_id, req, items, q, now)))
    return out, labels


@dataclass(frozen=True)
class CartQuote:
    """What a cart page shows, read once (``cart_quote``): every line's stock row (``rows``), the lines
    checkout accepts (``sellable``, in cart order) and their ``checkout_quote`` (None when none sells),
    with each considered offer's (type, name) by engine id (``names``)."""

    rows: CartRows
    sellable: list[CartLine]
    quote: dict[str, Any] | None
    names: dict[str, tuple[str, str]]


def cart_quote(
    *, actor: Actor, lines: list[CartLine], coupon_ids: list[int] | None = None, now: datetime | None = None
) -> CartQuote:
    """The storefront cart's quote in one read of its stock rows and offers: the lines that do not sell
    are left out of the quote (and shown as such), the others priced exactly as ``checkout_quote`` prices
    them, and the offers' names come from the same read as the quote (no second read of promotions and
    coupons). Errors as ``checkout_quote`` (422 for a quantity out of range)."""
    buyer_id = require_buyer(actor)
    now = now or timezone.now()
    rows = read_cart_rows([line.sku for line in lines])
    sellable = [line for line in lines if rows.sells(line.sku)]
    if not sellable:
        return CartQuote(rows=rows, sellable=[], quote=None, names={})
    req = CheckoutRequest(lines=sellable, coupon_ids=coupon_ids)
    items, categories = _validate(req, rows)
    out, labels = _quote_json(actor, buyer_id, req, items, categories, now)
    names = {
        offer_id: ("coupon" if label.get("type") == "coupon" else "promotion", str(label.get("name") or ""))
        for offer_id, label in labels.items()
    }
    return CartQuote(rows=rows, sellable=sellable, quote=out, names=names)


@audited()
def checkout_create(
    *,
    actor: Actor,
    idempotency_key: str,
    req: CheckoutRequest,
    now: datetime | None = None,
) -> tuple[Checkout, bool]:
    """Price, reserve and split. Returns (checkout, created); a replayed key returns the first checkout."""
    buyer_id = require_buyer(actor)
    existing = Checkout.objects.filter(buyer_id=buyer_id, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    items, categories = _validate(req)
    ship_to = address_snapshot(buyer_id, req.address_id)
    q = price_cart(actor, req, items, categories, now)
    quote_json = quote_to_json(q)
    if req.expected_total_fen is not None and req.expected_total_fen != q.total:
        raise conflict(
            "The price changed since your quote; review the new quote and confirm.",
            code=OrdersCode.PRICE_CHANGED,
            quote=quote_json,
        )
    plan, line_points = _points_plan(buyer_id, req, q)
    if plan is not None:
        quote_json["points"] = _points_json(plan, q)
    charges = _shipping(buyer_id, req, items, q, now)
    quote_json.update(_pay_json(q, plan, charges))
    buyer = user_row(actor)  # the order rows' buyer without a query (the analytics signal reads it)
    checkout = Checkout.objects.create(
        buyer=buyer,
        idempotency_key=idempotency_key,
        subtotal_fen=q.subtotal,
        discount_fen=q.discount,
        total_fen=q.total,
        quote=quote_json,
    )
    qlines = {ln.id: ln for ln in q.lines}
    shares: dict[str, dict[str, int]] = {}
    for applied in q.applied:
        for line_id, fen in applied.shares:
            if fen:
                shares.setdefault(line_id, {})[applied.id] = fen
    by_merchant: dict[int, list[tuple[str, CartLine]]] = {}
    for i, line in enumerate(req.lines):
        by_merchant.setdefault(items[line.sku].merchant_id, []).append((f"L{i + 1}", line))
    pay_due = now + timedelta(minutes=conf.value("ORDER_PAY_MINUTES"))
    order_of_item: dict[int, Order] = {}
    wanted: list[tuple[StockItem, int]] = []
    tender_lines: list[TenderLine] = []
    for merchant_id in sorted(by_merchant):
        group = by_merchant[merchant_id]
        subtotal = sum(qlines[lid].amount for lid, _ in group)
        discount = sum(qlines[lid].discount for lid, _ in group)
        points_fen = sum(line_points.get(lid, (0, 0))[1] for lid, _ in group)
        shipping = charges[merchant_id]
        order = Order.objects.create(
            merchant_id=merchant_id,
            checkout=checkout,
            buyer=buyer,
            number=new_order_number(now),
            subtotal_fen=subtotal,
            discount_fen=discount,
            paid_fen=subtotal - discount - points_fen + shipping.shipping_fen,
            shipping_fen=shipping.shipping_fen,
            shipping_waiver=shipping.waiver,
            created_at=now,
            pay_due_at=pay_due,
            **ship_to,
        )
        # the terms the buyer confirmed (after-sales)
        terms = sku_return_terms(merchant_id=merchant_id, sku_codes=[line.sku for _lid, line in group])
        created = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    merchant_id=merchant_id,
                    order=order,
                    item=items[line.sku],
                    sku_code=line.sku,
                    title=items[line.sku].title,
                    unit_price_fen=items[line.sku].price_fen,
                    qty=line.qty,
                    amount_fen=qlines[lid].amount,
                    discount_fen=qlines[lid].discount,
                    paid_fen=qlines[lid].paid - line_points.get(lid, (0, 0))[1],
                    shares=shares.get(lid, {}),
                    return_terms=terms.get(line.sku),
                )
                for lid, line in group
            ]
        )
        tender_lines += [
            TenderLine(order.pk, row.pk, row.qty, *line_points[lid])
            for (lid, _line), row in zip(group, created, strict=True)
            if lid in line_points
        ]
        for _lid, line in group:
            order_of_item[items[line.sku].pk] = order
            wanted.append((items[line.sku], line.qty))
        audit_record(
            actor=actor,
            action="orders.order_create",
            obj=order,
            after={
                "status": order.status,
                "paid_fen": order.paid_fen,
                "shipping_fen": order.shipping_fen,
                "checkout": checkout.pk,
            },
        )
    stock.reserve(wanted, order_of_item)
    _redeem(buyer_id, q, checkout)
    tender = points_tender()
    if tender_lines and tender is not None:  # the points account lock comes after the stock locks
        tender.redeem(buyer_id=buyer_id, checkout_id=checkout.pk, lines=tender_lines, now=now)
    return checkout, True
