"""Stock movements. Each is one conditional UPDATE plus a ledger row; callers hold a transaction.

Reservations update rows in ascending primary-key order, so two checkouts touching the same items take
their row locks in the same order and cannot deadlock; ``available >= qty`` in the WHERE clause means
stock never goes negative whatever the interleaving.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import F, Sum

from mallops.core.errors import conflict
from mallops.orders.errors import OrdersCode
from mallops.orders.models import FlashSale, Movement, Order, OrderLine, OrderStatus, StockItem, StockLedger

_REASON = "stock movement (caller authorised)"
log = logging.getLogger("mallops.orders.stock")


def _ledger(
    item: StockItem | int,
    merchant_id: int,
    kind: str,
    *,
    d_available: int = 0,
    d_reserved: int = 0,
    d_sold: int = 0,
    order: Order | None = None,
    flash_sale: FlashSale | None = None,
    note: str = "",
) -> None:
    StockLedger.objects.create(
        merchant_id=merchant_id,
        item_id=item if isinstance(item, int) else item.pk,
        kind=kind,
        d_available=d_available,
        d_reserved=d_reserved,
        d_sold=d_sold,
        order=order,
        flash_sale=flash_sale,
        note=note,
    )


def receive(item: StockItem, qty: int) -> None:
    StockItem.objects.unscoped(reason=_REASON).filter(pk=item.pk).update(available=F("available") + qty)
    _ledger(item, item.merchant_id, Movement.RECEIVE, d_available=qty)


def adjust(item: StockItem, available: int, note: str) -> int:
    """Set the item's ``available`` units to ``available`` (a merchant's count); returns the change.

    Locks the row, so the change written to the ledger (an ``adjust`` movement carrying ``note``) is the
    difference from what the row held at that moment; ``reserved`` and ``sold`` are untouched. No
    movement when nothing changes."""
    current: int = (
        StockItem.objects.unscoped(reason=_REASON)
        .select_for_update()
        .values_list("available", flat=True)
        .get(pk=item.pk)
    )
    delta = int(available - current)
    if delta:
        StockItem.objects.unscoped(reason=_REASON).filter(pk=item.pk).update(available=available)
        _ledger(item, item.merchant_id, Movement.ADJUST, d_available=delta, note=note[:200])
    return delta


def reserve(wanted: Iterable[tuple[StockItem, int]], order_of: dict[int, Order]) -> None:
    """Move ``qty`` from available to reserved for each item, in item-id order; 409 when short."""
    for item, qty in sorted(wanted, key=lambda pair: pair[0].pk):
        updated = (
            StockItem.objects.unscoped(reason=_REASON)
            .filter(pk=item.pk, available__gte=qty)
            .update(available=F("available") - qty, reserved=F("reserved") + qty)
        )
        if updated != 1:
            raise conflict(
                f"Not enough stock of {item.sku_code}.", code=OrdersCode.OUT_OF_STOCK, sku=item.sku_code
            )
        _ledger(
            item,
            item.merchant_id,
            Movement.RESERVE,
            d_available=-qty,
            d_reserved=qty,
            order=order_of[item.pk],
        )


def _move(order: Order, kind: str, *, d_available: int, d_reserved: int, d_sold: int) -> None:
    lines = sorted(order.lines.unscoped(reason=_REASON).values_list("item_id", "qty"))
    for item_id, qty in lines:
        updated = (
            StockItem.objects.unscoped(reason=_REASON)
            .filter(pk=item_id)
            .update(
                available=F("available") + d_available * qty,
                reserved=F("reserved") + d_reserved * qty,
                sold=F("sold") + d_sold * qty,
            )
        )
        if updated != 1:
            raise conflict("Stock item vanished.", code=OrdersCode.STOCK_MISSING)
        _ledger(
            item_id,
            order.merchant_id,
            kind,
            d_available=d_available * qty,
            d_reserved=d_reserved * qty,
            d_sold=d_sold * qty,
            order=order,
            flash_sale=order.flash_sale,
        )


def lock_rows_of(order_ids: Sequence[int]) -> None:
    """Lock the stock rows of the orders' lines in ascending id order (``FOR NO KEY UPDATE``, the lock an
    ``UPDATE`` of the row takes, so order-line inserts referencing the row are not blocked).

    For a caller that moves the stock of several orders in one transaction (a payment covering a
    checkout's orders): order by order its row locks would follow the orders, not the row ids, and could
    cross a checkout reserving the same rows in id order."""
    item_ids = set(
        OrderLine.objects.unscoped(reason=_REASON)
        .filter(order_id__in=list(order_ids))
        .values_list("item_id", flat=True)
    )
    list(
        StockItem.objects.unscoped(reason=_REASON)
        .select_for_update(no_key=True)
        .filter(pk__in=item_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def release(order: Order) -> None:
    """An unpaid order's reservation goes back to available."""
    _move(order, Movement.RELEASE, d_available=1, d_reserved=-1, d_sold=0)


def sell(order: Order) -> None:
    """A paid order's reservation becomes sold."""
    _move(order, Movement.SELL, d_available=0, d_reserved=-1, d_sold=1)


def flash_sell(order: Order) -> None:
    """A paid flash order's units leave the sale's allocation (reserved) for sold."""
    _move(order, Movement.SELL, d_available=0, d_reserved=-1, d_sold=1)


def restock(order: Order) -> None:
    """A refunded order that never shipped: the units of its lines not yet returned are sellable again
    (counted in each line's ``returned_qty``, so a later return of the same line is refused)."""
    left = [
        (line_id, qty - returned)
        for line_id, qty, returned in order.lines.unscoped(reason=_REASON).values_list(
            "pk", "qty", "returned_qty"
        )
        if qty > returned
    ]
    if left:
        return_units(order, left)


# orders whose units were never sold (unpaid, or cancelled before payment): nothing can come back
_NOT_SOLD = frozenset({OrderStatus.CREATED, OrderStatus.CANCELLED})


def return_units(order: Order, lines: Sequence[tuple[int, int]]) -> list[tuple[OrderLine, int]]:
    """Units of some of ``order``'s lines (``(order_line_id, qty)``) come back: sold → available.

    One ``return`` ledger movement per line (naming the order), so the ledger keeps summing to the row.
    Each line's ``returned_qty`` grows with a conditional UPDATE (``returned_qty + qty <= line qty``,
    backed by a CHECK constraint), so a line never gives back more units than it sold, whatever the
    interleaving; the stock row moves only ``WHERE sold >= qty``. Lines are updated in id order and stock
    rows in id order (the checkout's lock order). The caller holds the transaction, has authorised the
    move and audits it. Errors (409, raised before anything is written unless a concurrent return won
    the race): ``not_sold`` (order unpaid or cancelled), ``invalid_line`` (not a line of the order, qty
    < 1, a line named twice), ``return_exceeds_line`` (more than the line has left to return).
    Returns the lines (before the update) with the units each gave back.
    """
    if order.status in _NOT_SOLD:
        raise conflict("Units of this order were never sold.", code=OrdersCode.NOT_SOLD, status=order.status)
    wanted: dict[int, int] = {}
    for line_id, qty in lines:
        if line_id in wanted or qty < 1:
            raise conflict("Not a line of this order.", code=OrdersCode.INVALID_LINE, line=line_id)
        wanted[line_id] = qty
    by_id = {
        line.pk: line
        for line in OrderLine.objects.for_merchant(order.merchant_id).filter(order=order, pk__in=list(wanted))
    }
    for line_id, qty in sorted(wanted.items()):
        line = by_id.get(line_id)
        if line is None:
            raise conflict("Not a line of this order.", code=OrdersCode.INVALID_LINE, line=line_id)
        if qty > line.qty - line.returned_qty:
            raise conflict(
                "More units than this line has left to return.",
                code=OrdersCode.RETURN_EXCEEDS_LINE,
                line=line_id,
                left=line.qty - line.returned_qty,
            )
    for line_id, qty in sorted(wanted.items()):
        updated = (
            OrderLine.objects.for_merchant(order.merchant_id)
            .filter(pk=line_id, returned_qty__lte=F("qty") - qty)
            .update(returned_qty=F("returned_qty") + qty)
        )
        if updated != 1:
            raise conflict(
                "More units than this line has left to return.",
                code=OrdersCode.RETURN_EXCEEDS_LINE,
                line=line_id,
            )
    moved = sorted(((by_id[line_id], qty) for line_id, qty in wanted.items()), key=lambda p: p[0].item_id)
    for line, qty in moved:
        updated = (
            StockItem.objects.unscoped(reason=_REASON)
            .filter(pk=line.item_id, sold__gte=qty)
            .update(available=F("available") + qty, sold=F("sold") - qty)
        )
        if updated != 1:
            raise conflict(
                "The stock row has fewer sold units.", code=OrdersCode.STOCK_MISSING, sku=line.sku_code
            )
        _ledger(
            line.item_id,
            order.merchant_id,
            Movement.RETURN,
            d_available=qty,
            d_sold=-qty,
            order=order,
            flash_sale=order.flash_sale,
        )
    return moved


def flash_allocate(sale: FlashSale, qty: int | None = None) -> None:
    """Move ``qty`` (default: the sale's quantity) available units into the sale's allocation."""
    qty = sale.quantity if qty is None else qty
    updated = (
        StockItem.objects.unscoped(reason=_REASON)
        .filter(pk=sale.item_id, available__gte=qty)
        .update(available=F("available") - qty, reserved=F("reserved") + qty)
    )
    if updated != 1:
        raise conflict("Not enough available stock for this flash sale.", code=OrdersCode.OUT_OF_STOCK)
    _ledger(
        sale.item_id,
        sale.merchant_id,
        Movement.FLASH_ALLOCATE,
        d_available=-qty,
        d_reserved=qty,
        flash_sale=sale,
    )


def flash_release(sale: FlashSale, qty: int, order: Order | None = None) -> None:
    if qty <= 0:
        return
    StockItem.objects.unscoped(reason=_REASON).filter(pk=sale.item_id).update(
        available=F("available") + qty, reserved=F("reserved") - qty
    )
    _ledger(
        sale.item_id,
        sale.merchant_id,
        Movement.FLASH_RELEASE,
        d_available=qty,
        d_reserved=-qty,
        order=order,
        flash_sale=sale,
    )


def ledger_balance(item: StockItem) -> tuple[int, int, int]:
    """(available, reserved, sold) as the ledger sums them; equals the item's columns when consistent."""
    sums = (
        StockLedger.objects.unscoped(reason="ledger check")
        .filter(item_id=item.pk)
        .aggregate(a=Sum("d_available"), r=Sum("d_reserved"), s=Sum("d_sold"))
    )
    return (sums["a"] or 0, sums["r"] or 0, sums["s"] or 0)


# ---------------------------------------------------------------- catalogue SKUs


def _catalogue_title(sku: Any) -> str:
    product = sku.product
    specs = "/".join(str(v) for v in (sku.spec_values or {}).values())
    return f"{product.title} {specs}".strip()[:200]


def catalogue_sync(skus: Sequence[Any]) -> list[StockItem]:
    """The stock row of each catalogue SKU (created on first sight, linked, title and price kept equal).

    Called by the catalogue's services when SKUs are written (created, edited, repriced), in the
    caller's transaction. A new row starts with the SKU's declared ``stock`` (a ``receive`` movement);
    after that units move only through stock movements (``POST /api/v1/merchant/stock``, orders), so
    re-saving a product never resets what was sold. SKU codes are global in carts: a code whose stock
    row belongs to another store (or another product) gets no row and is logged (the catalogue allows
    such codes; the merchant must pick another code to sell it). The row sells only while the SKU is
    active and its product's listing is live (``not_on_sale``).
    """
    rows: list[StockItem] = []
    for sku in skus:
        item = (
            StockItem.objects.unscoped(reason=_REASON).select_for_update().filter(sku_code=sku.code).first()
        )
        title = _catalogue_title(sku)
        if item is None:
            item = StockItem.objects.unscoped(reason=_REASON).create(
                merchant_id=sku.merchant_id,
                sku_code=sku.code,
                catalogue_sku=sku,
                title=title,
                price_fen=sku.price_fen,
            )
            if sku.stock > 0:
                receive(item, sku.stock)
                item.refresh_from_db()
        elif item.merchant_id != sku.merchant_id or item.catalogue_sku_id not in (None, sku.pk):
            log.warning(
                "catalogue SKU %s (merchant %s): code %r already has another stock row; not sellable",
                sku.pk,
                sku.merchant_id,
                sku.code,
            )
            continue
        elif (item.catalogue_sku_id, item.title, item.price_fen) != (sku.pk, title, sku.price_fen):
            item.catalogue_sku_id, item.title, item.price_fen = sku.pk, title, sku.price_fen
            item.save(update_fields=["catalogue_sku", "title", "price_fen", "updated_at"])
        rows.append(item)
    return rows


def not_approved(items: Iterable[StockItem]) -> set[str]:
    """Codes of rows without a catalogue SKU (made before issue 16 through the stock API): nothing
    reviewed or screened them, so checkout refuses them (``sku_not_approved``)."""
    return {item.sku_code for item in items if not item.catalogue_sku_id}


def not_on_sale(items: Iterable[StockItem]) -> set[str]:
    """Codes of catalogue-linked rows whose SKU is inactive or whose listing is not live (checkout
    refuses them). Rows without a catalogue SKU never sell (``not_approved``)."""
    return sale_state(items)[0]


def sale_state(items: Iterable[StockItem]) -> tuple[set[str], dict[str, str]]:
    """``not_on_sale`` and, in the same queries, each linked row's catalogue category code (by SKU code):
    the cart quote and checkout price category-scoped offers with it, as the pricing quote does."""
    linked = {item.catalogue_sku_id: item.sku_code for item in items if item.catalogue_sku_id}
    if not linked:
        return set(), {}
    from mallops.catalogue.models import Sku
    from mallops.orders.listings import live_product_ids

    skus = {
        pk: (product_id, is_active, category)
        for pk, product_id, is_active, category in Sku.objects.unscoped(
            reason="checkout reads public listings"
        )
        .filter(pk__in=list(linked))
        .values_list("pk", "product_id", "is_active", "product__category__code")
    }
    live = live_product_ids({product for product, _, _ in skus.values()})
    off_sale = {
        code for pk, code in linked.items() if pk not in skus or not skus[pk][1] or skus[pk][0] not in live
    }
    categories = {code: skus[pk][2] or "" for pk, code in linked.items() if pk in skus}
    return off_sale, categories
