"""Writes of the storefront: the buyer's server-side cart. One transaction and one audit event each.

A cart line holds a SKU code and a quantity only; prices, discounts and the payable come from the quote
(``selectors.cart_view``) each time, never from the client or from the cart row.
"""

from __future__ import annotations

from typing import Any

from mallops.accounts.roles import require_buyer
from mallops.audit.services import audit_record, audited
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.orders.public.selectors import sku_offers
from mallops.storefront.models import MAX_CART_LINES, MAX_LINE_QTY, CartLine


def _check_qty(qty: int) -> None:
    if not 1 <= qty <= MAX_LINE_QTY:
        raise validation_error(
            [FieldError(("body", "qty"), f"Quantity must be 1 to {MAX_LINE_QTY}.", "invalid_qty")]
        )


@audited()
def cart_add(*, buyer: Any, sku_code: str, qty: int = 1, request: Any = None) -> CartLine:
    """Add ``qty`` units of an on-sale SKU (adds to an existing line, capped at MAX_LINE_QTY).

    Errors: 401/403 for a non-buyer; 422 ``invalid_qty``, ``not_on_sale`` (unknown, delisted, suspended
    store or sold out), ``too_many_lines``.
    """
    require_buyer(buyer)
    _check_qty(qty)
    offer = sku_offers(sku_codes=[sku_code]).get(sku_code)
    if offer is None or not offer.is_on_sale or offer.available <= 0:
        raise validation_error([FieldError(("body", "sku"), "This SKU is not on sale.", "not_on_sale")])
    lines = CartLine.objects.select_for_update().filter(buyer=buyer)
    line = lines.filter(sku_code=sku_code).first()
    if line is None:
        if lines.count() >= MAX_CART_LINES:
            raise validation_error(
                [FieldError(("body", "sku"), f"At most {MAX_CART_LINES} lines.", "too_many_lines")]
            )
        line = CartLine(buyer=buyer, sku_code=sku_code, qty=qty)
        before = None
    else:
        before = {"qty": line.qty}
        line.qty = min(line.qty + qty, MAX_LINE_QTY)
    line.full_clean(validate_unique=False, validate_constraints=False)
    line.save()
    audit_record(
        actor=buyer,
        action="storefront.cart_add",
        obj=line,
        before=before,
        after={"qty": line.qty},
        request=request,
    )
    return line


def _own_line(buyer: Any, line_id: int) -> CartLine:
    line = CartLine.objects.select_for_update().filter(buyer=buyer, pk=line_id).first()
    if line is None:
        raise not_found("cart line")
    return line


@audited()
def cart_set_qty(*, buyer: Any, line_id: int, qty: int, request: Any = None) -> CartLine:
    """Set the quantity of one of the buyer's own lines (404 for another buyer's line)."""
    require_buyer(buyer)
    _check_qty(qty)
    line = _own_line(buyer, line_id)
    before = {"qty": line.qty}
    line.qty = qty
    line.save(update_fields=["qty", "updated_at"])
    audit_record(
        actor=buyer,
        action="storefront.cart_set_qty",
        obj=line,
        before=before,
        after={"qty": qty},
        request=request,
    )
    return line


@audited()
def cart_remove(*, buyer: Any, line_id: int, request: Any = None) -> None:
    """Remove one of the buyer's own lines (404 for another buyer's line)."""
    require_buyer(buyer)
    line = _own_line(buyer, line_id)
    audit_record(
        actor=buyer, action="storefront.cart_remove", obj=line, before={"qty": line.qty}, request=request
    )
    line.delete()


@audited()
def cart_clear_skus(*, buyer: Any, sku_codes: list[str], request: Any = None) -> int:
    """Remove the lines of ``sku_codes`` (after they were ordered); returns how many were removed."""
    require_buyer(buyer)
    removed, _ = CartLine.objects.filter(buyer=buyer, sku_code__in=sku_codes).delete()
    if removed:
        audit_record(
            actor=buyer,
            action="storefront.cart_clear",
            object_type="storefront.cartline",
            object_id=str(buyer.pk),
            after={"removed": removed},
            request=request,
        )
    return int(removed)
