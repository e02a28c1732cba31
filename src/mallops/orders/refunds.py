"""An order's refunds, split over its lines (issue 16: one owner per fact).

Every refund of an order is recorded on its lines as well as on the order, so the lines' ``refunded_fen``
always sum to the order's. ``refund_split`` decides how many fen each line gives back and checks each
line's cap (``core.money.refund_cap_check``: 409 ``refund_exceeds_line``), whatever the order's total
would allow; ``lines_refund`` writes it with conditional UPDATEs, backed by the CheckConstraint
``orders_line_refunded_le_paid`` (refunded <= paid per line). A whole-order refund pays every line back
in full (``lines_refund_all``). Shipping (``Order.shipping_fen``, in the order's ``paid_fen`` but on no
line) is paid back only by a whole-order refund before the order shipped (``whole_refund_fen``), so the
order's ``refunded_fen`` is the lines' sum plus, in that one case, the shipping. The callers (``orders.services.order_refund_part``, the ``refund``
transition) hold the transaction and the order's lock.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import F

from mallops.core.errors import conflict
from mallops.core.money import apportion, refund_cap_check
from mallops.orders.errors import OrdersCode
from mallops.orders.models import Order, OrderLine


def refund_split(*, order: Order, amount_fen: int, lines: Mapping[int, int] | None = None) -> dict[int, int]:
    """How many fen of ``amount_fen`` each line of ``order`` gives back (``{order line id: fen}``).

    ``lines`` names the split (after-sales: the lines of the request); it must name lines of the order
    and sum to ``amount_fen`` (409 ``invalid_line`` otherwise). Without it the amount is apportioned over
    what each line has left (largest remainder). 409 ``refund_exceeds_line`` when a line would give back
    more than it has left. Reads only; nothing is written.
    """
    rows = {
        pk: (paid, refunded)
        for pk, paid, refunded in OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order=order)
        .order_by("pk")
        .values_list("pk", "paid_fen", "refunded_fen")
    }
    if lines is None:
        left = [paid - refunded for paid, refunded in rows.values()]
        if amount_fen > sum(left):  # more than the order has left: the order's own cap answers it
            refund_cap_check(
                paid_fen=order.paid_fen,
                refunded_fen=order.refunded_fen,
                amount_fen=amount_fen,
                code=OrdersCode.REFUND_EXCEEDS_ORDER,
            )
        split = dict(zip(rows, apportion(amount_fen, left), strict=True)) if sum(left) else {}
    else:
        split = dict(lines)
        if any(pk not in rows for pk in split) or sum(split.values()) != amount_fen:
            raise conflict("Not a line of this order.", code=OrdersCode.INVALID_LINE, lines=sorted(split))
    split = {pk: fen for pk, fen in sorted(split.items()) if fen}
    for pk, fen in split.items():
        paid, refunded = rows[pk]
        refund_cap_check(
            paid_fen=paid, refunded_fen=refunded, amount_fen=fen, code=OrdersCode.REFUND_EXCEEDS_LINE
        )
    return split


def lines_refund(order: Order, split: Mapping[int, int]) -> None:
    """Add each line's fen of ``split`` to its ``refunded_fen`` (in line id order); 409
    ``refund_exceeds_line`` when a concurrent refund left the line less than that."""
    for pk, fen in sorted(split.items()):
        updated = (
            OrderLine.objects.for_merchant(order.merchant_id)
            .filter(pk=pk, order=order, refunded_fen__lte=F("paid_fen") - fen)
            .update(refunded_fen=F("refunded_fen") + fen)
        )
        if updated != 1:
            raise conflict(
                "The refund is more than what is left of the line's paid amount.",
                code=OrdersCode.REFUND_EXCEEDS_LINE,
                line=pk,
            )


def shipping_kept_fen(order: Order) -> int:
    """The shipping the merchant keeps however the order is refunded: all of it once the parcel left
    (CPL Art. 25: a no-reason return does not pay the outbound shipping back), none before."""
    return order.shipping_fen if order.shipped_at is not None else 0


def whole_refund_fen(order: Order) -> int:
    """What the order's ``refunded_fen`` is once the whole order is refunded: every line in full, and the
    shipping only when the order had not shipped (``shipping_kept_fen``)."""
    return order.paid_fen - shipping_kept_fen(order)


def goods_refunded(order: Order) -> bool:
    """Every line is paid back (partial refunds never pay shipping: the lines' caps are goods only)."""
    return order.refunded_fen >= order.paid_fen - order.shipping_fen


def lines_refund_all(order: Order) -> None:
    """The whole order is refunded: every line gives back all it was paid."""
    OrderLine.objects.for_merchant(order.merchant_id).filter(order=order).update(refunded_fen=F("paid_fen"))
