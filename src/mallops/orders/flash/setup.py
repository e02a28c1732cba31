"""Flash sales set up by a store or operations: creation, edit and cancel (the terms a sale runs on).

Buying is ``mallops.orders.flash.buying``; ``mallops.orders.flash.services`` re-exports both.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.orders import stock
from mallops.orders.errors import OrdersCode
from mallops.orders.flash import redis_path
from mallops.orders.flash.buying import flash_drain, redis_enabled
from mallops.orders.models import FlashSale, StockItem

log = logging.getLogger("mallops.orders.flash")


def _permission(merchant_id: int | None) -> str:
    return "promotion.manage" if merchant_id is None else "store.promotion.manage"


def _find_item(merchant_id: int | None, sku_code: str, item_id: int | None) -> StockItem | None:
    """The SKU's stock row: the store's own when ``merchant_id`` is given (another store's is unknown)."""
    if merchant_id is not None:
        qs = StockItem.objects.for_merchant(merchant_id)
    else:
        qs = StockItem.objects.unscoped(reason="operations create flash sales")
    qs = qs.filter(pk=item_id) if item_id is not None else qs.filter(sku_code=sku_code)
    item: StockItem | None = qs.first()
    return item


def _check_terms(
    *,
    item: StockItem | None,
    title: str,
    flash_price_fen: int,
    quantity: int,
    per_buyer_limit: int,
    starts_at: datetime,
    ends_at: datetime,
    allocated: int = 0,
    now: datetime,
) -> list[FieldError]:
    """Field errors of a flash sale's terms; ``allocated``: units the sale already holds (an edit)."""
    errors: list[FieldError] = []
    if item is None:
        errors.append(FieldError(("body", "sku_code"), "Unknown SKU.", "unknown_sku"))
    if flash_price_fen < 0:
        errors.append(FieldError(("body", "flash_price_fen"), "Must be >= 0.", "invalid"))
    if item is not None and flash_price_fen >= item.price_fen:
        errors.append(
            FieldError(("body", "flash_price_fen"), "Must be below the regular price.", "not_a_discount")
        )
    elif item is not None and flash_price_fen >= 0:
        from mallops.pricing.selectors import flash_price_findings

        for finding in flash_price_findings(
            merchant_id=item.merchant_id,
            sku=item.sku_code,
            listed_price_fen=item.price_fen,
            flash_price_fen=flash_price_fen,
            starts_at=starts_at,
            now=now,
        ):
            citation: Any = finding["citation"]
            errors.append(
                FieldError(
                    ("body", "flash_price_fen"),
                    f"{finding['message']}（{citation['text']}）",
                    str(finding["code"]),
                )
            )
    if quantity <= 0:
        errors.append(FieldError(("body", "quantity"), "Must be positive.", "invalid_qty"))
    elif item is not None and quantity > item.available + allocated:
        errors.append(
            FieldError(
                ("body", "quantity"),
                f"Only {item.available + allocated} units are available.",
                "out_of_stock",
            )
        )
    if per_buyer_limit <= 0:
        errors.append(FieldError(("body", "per_buyer_limit"), "Must be positive.", "invalid_qty"))
    if ends_at <= starts_at:
        errors.append(FieldError(("body", "ends_at"), "Must be after starts_at.", "invalid_window"))
    elif ends_at <= now:
        errors.append(FieldError(("body", "ends_at"), "Must be in the future.", "invalid_window"))
    if not title.strip():
        errors.append(FieldError(("body", "title"), "Required.", "required"))
    return errors


def _terms(sale: FlashSale) -> dict[str, Any]:
    return {
        "title": sale.title,
        "price": sale.flash_price_fen,
        "quantity": sale.quantity,
        "limit": sale.per_buyer_limit,
        "starts_at": sale.starts_at.isoformat(),
        "ends_at": sale.ends_at.isoformat(),
    }


@audited()
def flash_sale_create(
    *,
    actor: Actor,
    sku_code: str = "",
    title: str,
    flash_price_fen: int,
    quantity: int,
    per_buyer_limit: int,
    starts_at: datetime,
    ends_at: datetime,
    merchant_id: int | None = None,
    item_id: int | None = None,
) -> FlashSale:
    """A flash sale of one SKU (by ``sku_code`` or ``item_id``): its ``quantity`` is allocated out of
    the item's available stock at once. ``merchant_id`` given: the store's own SKU only
    (``store.promotion.manage``); None: operations (``promotion.manage``). 422 with field errors: unknown
    SKU, a price not below the regular price or not below the lawful reference price (the price-law
    findings of ``pricing.selectors.flash_price_findings``), more units than available, a bad window."""
    require_permission(actor, _permission(merchant_id))
    item = _find_item(merchant_id, sku_code, item_id)
    now = timezone.now()
    errors = _check_terms(
        item=item,
        title=title,
        flash_price_fen=flash_price_fen,
        quantity=quantity,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
    )
    if errors:
        raise validation_error(errors)
    assert item is not None
    sale: FlashSale = FlashSale.objects.create(
        merchant_id=item.merchant_id,
        item=item,
        title=title.strip(),
        flash_price_fen=flash_price_fen,
        quantity=quantity,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        finalize_due_at=ends_at,
    )
    stock.flash_allocate(sale)
    audit_record(
        actor=actor,
        action="orders.flash_sale_create",
        obj=sale,
        after={
            "sku": item.sku_code,
            "quantity": quantity,
            "price": flash_price_fen,
            "limit": per_buyer_limit,
        },
    )
    if redis_enabled():
        sale_id = sale.pk
        transaction.on_commit(lambda: redis_path.load(sale_id, quantity, {}, overwrite=False))
    return sale


def _scoped_sales(actor: Actor, merchant_id: int | None) -> Any:
    if merchant_id is not None:
        return FlashSale.objects.for_merchant(merchant_id)
    return FlashSale.objects.for_platform(actor, "promotion.manage")


@audited()
def flash_sale_update(
    *,
    actor: Actor,
    sale_id: int,
    title: str,
    flash_price_fen: int,
    quantity: int,
    per_buyer_limit: int,
    starts_at: datetime,
    ends_at: datetime,
    merchant_id: int | None = None,
) -> FlashSale:
    """Change a flash sale before it starts (nothing sold yet); the SKU stays. A larger quantity
    allocates the difference from available stock, a smaller one gives units back (one ledger movement
    each). Locks the sale row. 404 outside the actor's scope (another store's sale); 409
    ``flash_started`` once it started, ``flash_ended`` after an end or a cancel; 422 as
    ``flash_sale_create``."""
    require_permission(actor, _permission(merchant_id))
    sale: FlashSale | None = (
        _scoped_sales(actor, merchant_id)
        .select_for_update()
        .select_related("item")
        .filter(pk=sale_id)
        .first()
    )
    if sale is None:
        raise not_found("flash sale")
    now = timezone.now()
    if sale.finalized:
        raise conflict("The flash sale has ended.", code=OrdersCode.FLASH_ENDED)
    if sale.starts_at <= now or sale.claimed:
        raise conflict("A flash sale can change only before it starts.", code=OrdersCode.FLASH_STARTED)
    item = StockItem.objects.unscoped(reason="flash sale edit").get(pk=sale.item_id)
    errors = _check_terms(
        item=item,
        title=title,
        flash_price_fen=flash_price_fen,
        quantity=quantity,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        allocated=sale.quantity,
        now=now,
    )
    if errors:
        raise validation_error(errors)
    before = _terms(sale)
    change = quantity - sale.quantity
    if change > 0:
        stock.flash_allocate(sale, change)
    elif change < 0:
        stock.flash_release(sale, -change)
    sale.title = title.strip()
    sale.flash_price_fen = flash_price_fen
    sale.quantity = quantity
    sale.per_buyer_limit = per_buyer_limit
    sale.starts_at = starts_at
    sale.ends_at = ends_at
    sale.finalize_due_at = ends_at
    sale.save(
        update_fields=[
            "title",
            "flash_price_fen",
            "quantity",
            "per_buyer_limit",
            "starts_at",
            "ends_at",
            "finalize_due_at",
        ]
    )
    audit_record(
        actor=actor,
        action="orders.flash_sale_update",
        obj=sale,
        before=before,
        after=_terms(sale),
    )
    if redis_enabled():
        # nobody could buy before the start, so the counters are simply replaced
        sale_id = sale.pk
        transaction.on_commit(lambda: redis_path.load(sale_id, quantity, {}, overwrite=True))
    return sale


def flash_sale_cancel(*, actor: Actor, sale_id: int, merchant_id: int | None = None) -> FlashSale:
    """Stop a flash sale now: nobody can buy any more, units nobody holds go back to available stock
    at once, orders already placed stay (an unpaid one that is later cancelled returns its units to
    stock, as after the end). 404 outside the actor's scope, 409 ``flash_ended`` when it already ended.
    Must not run inside another transaction (the Redis queue is written out first)."""
    require_permission(actor, _permission(merchant_id))
    if not _scoped_sales(actor, merchant_id).filter(pk=sale_id).exists():
        raise not_found("flash sale")
    if redis_enabled():
        flash_drain(sale_id)
    with audited():
        locked: FlashSale = (
            FlashSale.objects.unscoped(reason="flash cancel (scope checked)")
            .select_for_update()
            .get(pk=sale_id)
        )
        if locked.finalized:
            raise conflict("The flash sale has ended.", code=OrdersCode.FLASH_ENDED)
        released = locked.quantity - locked.claimed
        stock.flash_release(locked, released)
        locked.finalized = True
        locked.finalize_due_at = None
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["finalized", "finalize_due_at", "cancelled_at"])
        audit_record(
            actor=actor,
            action="orders.flash_sale_cancel",
            obj=locked,
            before={"finalized": False},
            after={"finalized": True, "claimed": locked.claimed, "released": released},
        )
        if redis_enabled():
            transaction.on_commit(lambda: redis_path.forget(sale_id))
    return locked
