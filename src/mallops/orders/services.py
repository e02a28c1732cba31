"""Order writes other than checkout and flash sales: merchant stock, shipping, delivery, refunds requests.

The status itself only changes in ``orders.transitions.order_transition``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.utils import timezone

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.core.inputs import MAX_FEN, MAX_STOCK
from mallops.core.money import refund_cap_check
from mallops.orders import refunds, stock
from mallops.orders.checkout import require_buyer
from mallops.orders.errors import OrdersCode
from mallops.orders.models import Order, OrderLine, PartialRefund, StockItem
from mallops.orders.selectors import merchant_id_of
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition, transition_target

CARRIERS = ("SF", "ZTO", "YTO", "STO", "YUNDA", "JD", "EMS", "JT", "DEPPON", "OTHER")


@audited()
def stock_receive(
    *,
    actor: Actor,
    sku_code: str,
    qty: int,
    price_fen: int | None = None,
    title: str = "",
) -> StockItem:
    """A merchant adds units of one of its SKUs (and may change its price or title).

    The stock row of a catalogue SKU is created by the catalogue (``stock.catalogue_sync``) when the
    SKU is written; a code without such a row is 422 ``sku_not_approved`` (the stock API cannot create
    a sellable row past review and compliance, issue 16). A new price goes through the catalogue's one
    writer (``catalogue.services.sku_price_set``: price history row, the stock row follows); a row
    without a catalogue SKU (made before the rule) never sells, so its price is kept here.
    """
    merchant_id = merchant_id_of(actor)
    errors: list[FieldError] = []
    if qty < 0 or qty > MAX_STOCK:
        errors.append(FieldError(("body", "qty"), f"Must be 0 to {MAX_STOCK}.", "invalid_qty"))
    if not sku_code or len(sku_code) > 64:
        errors.append(FieldError(("body", "sku_code"), "1 to 64 characters.", "invalid"))
    if price_fen is not None and not 0 <= price_fen <= MAX_FEN:
        errors.append(FieldError(("body", "price_fen"), f"Must be 0 to {MAX_FEN}.", "invalid"))
    item: StockItem | None = (
        StockItem.objects.unscoped(reason="sku codes are global").filter(sku_code=sku_code).first()
    )
    if item is not None and item.merchant_id != merchant_id:
        errors.append(FieldError(("body", "sku_code"), "This SKU code is taken.", "sku_taken"))
    elif item is not None and item.available + max(qty, 0) > MAX_STOCK:
        errors.append(
            FieldError(("body", "qty"), f"Stock on hand may not exceed {MAX_STOCK}.", "stock_too_high")
        )
    if item is None and sku_code and len(sku_code) <= 64:
        errors.append(
            FieldError(
                ("body", "sku_code"),
                "No catalogue SKU has this code: add it to a product and submit the listing for review.",
                "sku_not_approved",
            )
        )
    if errors:
        raise validation_error(errors)
    assert item is not None
    before = {"available": item.available, "price_fen": item.price_fen}
    if price_fen is not None and price_fen != item.price_fen and item.catalogue_sku_id is not None:
        from mallops.catalogue.services import sku_price_set  # the one writer of a sellable price

        sku_price_set(actor=actor, merchant_id=merchant_id, sku_id=item.catalogue_sku_id, price_fen=price_fen)
        item.refresh_from_db()
    changed = []
    if price_fen is not None and item.catalogue_sku_id is None:
        item.price_fen = price_fen
        changed.append("price_fen")
    if title:
        item.title = title
        changed.append("title")
    if changed:
        item.save(update_fields=changed)
    if qty:
        stock.receive(item, qty)
    item.refresh_from_db()
    audit_record(
        actor=actor,
        action="orders.stock_receive",
        obj=item,
        before=before,
        after={"available": item.available, "price_fen": item.price_fen, "received": qty},
    )
    return item


MAX_UNITS = 10_000_000


@audited()
def stock_set(*, actor: Actor, item_id: int, available: int | None, reason: str) -> StockItem:
    """A merchant sets the available units of one of its stock rows (a count), giving the reason.

    One ``adjust`` movement with the difference and the reason (``stock.adjust``, row locked), audited as
    ``orders.stock_set``. Another store's row is 404; ``available`` outside 0..10,000,000
    (``invalid_qty``) or a reason shorter than 2 characters (``reason_required``) is 422, nothing
    written. Setting the number the row already holds writes nothing.
    """
    merchant_id = merchant_id_of(actor)
    item: StockItem | None = StockItem.objects.for_merchant(merchant_id).filter(pk=item_id).first()
    if item is None:
        raise not_found("stock item")
    reason = reason.strip()
    errors: list[FieldError] = []
    if available is None or not 0 <= available <= MAX_UNITS:
        errors.append(FieldError(("body", "available"), f"0 to {MAX_UNITS}.", "invalid_qty"))
    if not 2 <= len(reason) <= 200:
        errors.append(FieldError(("body", "reason"), "2 to 200 characters.", "reason_required"))
    if errors:
        raise validation_error(errors)
    assert available is not None
    delta = stock.adjust(item, available, reason)
    item.refresh_from_db()
    if delta:
        audit_record(
            actor=actor,
            action="orders.stock_set",
            obj=item,
            before={"available": item.available - delta},
            after={"available": item.available, "change": delta, "reason": reason},
        )
    return item


def parcel_check(carrier: str, tracking_number: str) -> str:
    """A parcel's carrier and tracking number (shipments and return shipments); the tracking number
    stripped, or 422 with the field paths."""
    errors: list[FieldError] = []
    if carrier not in CARRIERS:
        errors.append(FieldError(("body", "carrier"), f"One of {', '.join(CARRIERS)}.", "unknown_carrier"))
    tracking = tracking_number.strip()
    if not (4 <= len(tracking) <= 40) or not tracking.replace("-", "").isalnum():
        errors.append(FieldError(("body", "tracking_number"), "4 to 40 letters or digits.", "invalid"))
    if errors:
        raise validation_error(errors)
    return tracking


def order_ship(*, actor: Actor, order_id: int, carrier: str, tracking_number: str) -> Order:
    merchant_id = merchant_id_of(actor)
    if not Order.objects.for_merchant(merchant_id).filter(pk=order_id).exists():
        raise not_found("order")
    tracking = parcel_check(carrier, tracking_number)
    return order_transition(
        actor=actor,
        order_id=order_id,
        event=Event.SHIP,
        merchant_id=merchant_id,
        carrier=carrier,
        tracking_number=tracking,
    )


def order_deliver(*, actor: Actor, order_id: int) -> Order:
    """The merchant records the carrier's proof of delivery."""
    return order_transition(
        actor=actor,
        order_id=order_id,
        event=Event.DELIVER,
        merchant_id=merchant_id_of(actor),
    )


def order_refund_reject(*, actor: Actor, order_id: int) -> Order:
    return order_transition(
        actor=actor,
        order_id=order_id,
        event=Event.REJECT_REFUND,
        merchant_id=merchant_id_of(actor),
    )


def buyer_order_cancel(*, actor: Actor, order_id: int) -> Order:
    require_buyer(actor)
    return order_transition(
        actor=actor, order_id=order_id, event=Event.CANCEL, buyer_id=actor.pk, reason="buyer"
    )


@audited()
def buyer_order_confirm(*, actor: Actor, order_id: int) -> Order:
    """确认收货: a shipped order is delivered and completed, a delivered one completed."""
    require_buyer(actor)
    order = Order.objects.unscoped(reason="buyer's own").filter(pk=order_id, buyer_id=actor.pk).first()
    if order is not None and order.status == "shipped":
        order_transition(actor=actor, order_id=order_id, event=Event.DELIVER, buyer_id=actor.pk)
    return order_transition(actor=actor, order_id=order_id, event=Event.COMPLETE, buyer_id=actor.pk)


def buyer_refund_request(*, actor: Actor, order_id: int, reason: str = "") -> Order:
    require_buyer(actor)
    return order_transition(
        actor=actor,
        order_id=order_id,
        event=Event.REQUEST_REFUND,
        buyer_id=actor.pk,
        reason=reason[:40],
    )


def order_refund_prepare(
    *, order_id: int, amount_fen: int, reference: str, lines: Mapping[int, int] | None = None
) -> tuple[Order, bool]:
    """Everything ``order_refund_part`` would refuse, asked before the provider pays the money back.

    Call inside the transaction that then asks the provider and calls ``order_refund_part``, after the
    payment's lock: locks the order, then its lines in id order (the refund lock order: payment, order,
    lines, audit head last). Returns ``(order, is_replay)``; ``is_replay`` when ``reference`` was already
    applied to the order (the caller returns the first result and pays nothing). Otherwise 409
    ``refund_exceeds_order``, ``refund_exceeds_line``, ``invalid_line``, ``illegal_transition`` exactly as
    ``order_refund_part`` would; 404 for an unknown order. Writes nothing.
    """
    order: Order | None = (
        Order.objects.unscoped(reason="refund check (caller authorised)")
        .select_for_update()
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise not_found("order")
    list(
        OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order=order)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if _refund_applied(order, reference):
        return order, True
    transition_target(order, Event.PARTIAL_REFUND)
    refund_cap_check(
        paid_fen=order.paid_fen,
        refunded_fen=order.refunded_fen,
        amount_fen=amount_fen,
        code=OrdersCode.REFUND_EXCEEDS_ORDER,
    )
    refunds.refund_split(order=order, amount_fen=amount_fen, lines=lines)
    return order, False


def _refund_applied(order: Order, reference: str) -> bool:
    # the stored reference is cut to the column's 64 characters, so the look-up cuts it the same way
    applied: bool = (
        PartialRefund.objects.for_merchant(order.merchant_id)
        .filter(order=order, reference=reference[:64])
        .exists()
    )
    return applied


@audited()
def order_refund_part(
    *,
    actor: Actor | None,
    order_id: int,
    amount_fen: int,
    reference: str,
    lines: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> Order:
    """Record a refund of part of an order that the payment provider confirmed (caller authorised).

    ``refunded_fen`` grows by ``amount_fen``, and each line's by its part (``lines``: ``{order line id:
    fen}``, else apportioned over what the lines have left; ``orders.refunds``); the order moves by
    ``partial_refund`` (``partially_refunded``, or ``refunded`` once everything paid is back). Idempotent
    per ``reference``: a second call with the same reference changes nothing and returns the order. 409
    ``refund_exceeds_order`` when the amount is more than what is left, ``refund_exceeds_line`` when a
    line's part is more than the line has left, ``invalid_line``; ``illegal_transition`` from a status
    without refunds (created, cancelled, ...).
    """
    now = now or timezone.now()
    order: Order | None = (
        Order.objects.unscoped(reason="partial refund (caller authorised)")
        .select_for_update()
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise not_found("order")
    if _refund_applied(order, reference):
        return order
    refund_cap_check(
        paid_fen=order.paid_fen,
        refunded_fen=order.refunded_fen,
        amount_fen=amount_fen,
        code=OrdersCode.REFUND_EXCEEDS_ORDER,
    )
    refunds.lines_refund(order, refunds.refund_split(order=order, amount_fen=amount_fen, lines=lines))
    PartialRefund.objects.create(
        merchant_id=order.merchant_id, order=order, reference=reference[:64], amount_fen=amount_fen, at=now
    )
    return order_transition(
        actor=actor,
        order_id=order.pk,
        event=Event.PARTIAL_REFUND,
        now=now,
        reason=reference[:40],
        amount_fen=amount_fen,
    )


@audited()
def order_lines_restock(
    *,
    order_id: int,
    lines: list[tuple[int, int]],
    actor: Actor | None = None,
) -> Order:
    """Returned units of some lines (``(order_line_id, qty)``) are sellable again (caller authorised).

    ``stock.return_units`` moves them sold → available (one ``return`` ledger movement per line) and
    counts them on the line, so a line never gives back more than it sold; audited as
    ``orders.stock_return``. 404 for an unknown order; 409 ``not_sold``, ``invalid_line``,
    ``return_exceeds_line`` (nothing written).
    """
    order: Order | None = (
        Order.objects.unscoped(reason="return restock (caller authorised)")
        .select_for_update()
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise not_found("order")
    moved = stock.return_units(order, lines)
    audit_record(
        actor=actor,
        action="orders.stock_return",
        obj=order,
        before={"returned_qty": {str(line.pk): line.returned_qty for line, _qty in moved}},
        after={
            "lines": [
                {"line": line.pk, "sku": line.sku_code, "qty": qty, "returned_qty": line.returned_qty + qty}
                for line, qty in moved
            ]
        },
    )
    return order


def line_return_terms(merchant_id: int, sku_codes: list[str]) -> dict[str, dict[str, str]]:
    """The after-sales terms of each SKU's catalogue product as the buyer sees them now (checkout copies
    them onto the order lines). A SKU without a catalogue product gets ``{}`` (no exclusion)."""
    from mallops.catalogue.models import Sku

    rows = (
        Sku.objects.for_merchant(merchant_id)
        .filter(code__in=sku_codes)
        .values_list("code", "product__return_policy", "product__return_exclusion")
    )
    terms: dict[str, dict[str, str]] = {code: {} for code in sku_codes}
    for code, policy, exclusion in rows:
        terms[code] = {"return_policy": policy, "return_exclusion": exclusion or ""}
    return terms
