"""HTTP API of the orders app: buyer checkout and orders, merchant orders and stock, operations' order
list and flash sales. Mounted at /api/v1 without a prefix."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.idempotency import require_idempotency_key
from mallops.core.pagination import FixedPage, PageRows, Pagination, paginate_rows
from mallops.orders import list_reads, selectors, services, shipping
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create, checkout_quote
from mallops.orders.export import orders_export
from mallops.orders.flash import services as flash
from mallops.orders.risk_checks import checkout_assess
from mallops.orders.schemas import (
    AttemptIn,
    AttemptOut,
    CheckoutIn,
    CheckoutOut,
    FlashSaleIn,
    FlashSaleOut,
    OrderOut,
    ReconcileOut,
    RefundRequestIn,
    ShipIn,
    ShippingRuleIn,
    ShippingRuleOut,
    StockIn,
    StockLedgerOut,
    StockOut,
    StockSetIn,
)
from mallops.risk.flows import request_context

router = Router(tags=["orders"], auth=api_auth)


def _req(payload: CheckoutIn) -> CheckoutRequest:
    return CheckoutRequest(
        lines=[CartLine(sku=ln.sku, qty=ln.qty) for ln in payload.lines],
        expected_total_fen=payload.expected_total_fen,
        address_id=payload.address_id,
        coupon_ids=payload.coupon_ids,
        points=payload.points,
    )


def _checkout_out(checkout: Any) -> dict[str, Any]:
    orders = list(
        selectors.with_lines(checkout.orders.unscoped(reason="the buyer's checkout").order_by("pk"))
    )
    return {
        "id": checkout.pk,
        "subtotal_fen": checkout.subtotal_fen,
        "discount_fen": checkout.discount_fen,
        "total_fen": checkout.total_fen,
        "quote": checkout.quote,
        "orders": orders,
    }


# ---------------------------------------------------------------- buyers


@router.post("/buyer/checkout/quote", response=dict[str, Any], summary="Price a cart (no writes)")
def buyer_quote(request: HttpRequest, payload: CheckoutIn) -> dict[str, Any]:
    return checkout_quote(actor=request_actor(request), req=_req(payload))


@router.post(
    "/buyer/checkout",
    response={200: CheckoutOut, 201: CheckoutOut},
    summary="Check out a cart: one order per merchant, stock reserved (Idempotency-Key required)",
    description="409 `price_changed` carries the new `quote` when `expected_total_fen` is stale; "
    "409 `out_of_stock` names the `sku`.",
)
def buyer_checkout(request: HttpRequest, payload: CheckoutIn) -> Status[Any]:
    key = require_idempotency_key(request)
    # before the checkout's transaction (risk assessment commits on its own); 403 risk_blocked
    context = request_context(request)
    checkout_assess(actor=request_actor(request), idempotency_key=key, req=_req(payload), context=context)
    checkout, created = checkout_create(actor=request_actor(request), idempotency_key=key, req=_req(payload))
    return Status(201 if created else 200, _checkout_out(checkout))


@router.get("/buyer/orders", response=list[OrderOut], summary="The buyer's orders")
@paginate_rows
def buyer_order_list(request: HttpRequest, status: str = "", **kwargs: Any) -> FixedPage:
    return list_reads.buyer_order_page(actor=request_actor(request), status=status)


@router.get("/buyer/orders/{order_id}", response=OrderOut, summary="One of the buyer's orders")
def buyer_order_detail(request: HttpRequest, order_id: int) -> Any:
    return selectors.buyer_order_get(actor=request_actor(request), order_id=order_id)


@router.post("/buyer/orders/{order_id}/cancel", response=OrderOut, summary="Cancel an unpaid order")
def buyer_order_cancel(request: HttpRequest, order_id: int) -> Any:
    return services.buyer_order_cancel(actor=request_actor(request), order_id=order_id)


@router.post("/buyer/orders/{order_id}/confirm", response=OrderOut, summary="Confirm receipt (确认收货)")
def buyer_order_confirm(request: HttpRequest, order_id: int) -> Any:
    return services.buyer_order_confirm(actor=request_actor(request), order_id=order_id)


@router.post("/buyer/orders/{order_id}/refund-request", response=OrderOut, summary="Ask for a refund")
def buyer_refund_request(request: HttpRequest, order_id: int, payload: RefundRequestIn) -> Any:
    return services.buyer_refund_request(
        actor=request_actor(request), order_id=order_id, reason=payload.reason
    )


# ---------------------------------------------------------------- merchants


@router.get("/merchant/orders", response=list[OrderOut], summary="The merchant's own orders")
@paginate_rows
def merchant_order_list(request: HttpRequest, status: str = "", **kwargs: Any) -> FixedPage:
    return list_reads.merchant_order_page(actor=request_actor(request), status=status)


@router.post(
    "/merchant/orders/export",
    summary="Export the merchant's orders as XLSX",
    description=(
        "POST so that filters travel in the body; answers the file itself. Recorded as an export of personal"
        " data; `purpose` (导出用途) is required from 50 orders."
    ),
)
def merchant_order_export(
    request: HttpRequest, status: str = "", since: datetime | None = None, purpose: str = ""
) -> HttpResponse:
    orders = selectors.merchant_orders(actor=request_actor(request), status=status, since=since)
    response = HttpResponse(
        orders_export(actor=request_actor(request), orders=orders, purpose=purpose[:200]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.now().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.xlsx"'
    return response


@router.get("/merchant/orders/{order_id}", response=OrderOut, summary="One of the merchant's orders")
def merchant_order_detail(request: HttpRequest, order_id: int) -> Any:
    return selectors.merchant_order_get(actor=request_actor(request), order_id=order_id)


@router.post("/merchant/orders/{order_id}/ship", response=OrderOut, summary="Ship (carrier, tracking number)")
def merchant_order_ship(request: HttpRequest, order_id: int, payload: ShipIn) -> Any:
    return services.order_ship(
        actor=request_actor(request),
        order_id=order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )


@router.post("/merchant/orders/{order_id}/deliver", response=OrderOut, summary="Record delivery")
def merchant_order_deliver(request: HttpRequest, order_id: int) -> Any:
    return services.order_deliver(actor=request_actor(request), order_id=order_id)


@router.post(
    "/merchant/orders/{order_id}/refund-reject", response=OrderOut, summary="Reject a refund request"
)
def merchant_refund_reject(request: HttpRequest, order_id: int) -> Any:
    return services.order_refund_reject(actor=request_actor(request), order_id=order_id)


@router.get("/merchant/shipping-rule", response=ShippingRuleOut, summary="The store's shipping rule (运费)")
def merchant_shipping_rule(request: HttpRequest) -> Any:
    return shipping.my_shipping_rule(actor=request_actor(request))


@router.put(
    "/merchant/shipping-rule",
    response=ShippingRuleOut,
    summary="Set the store's shipping rule: flat fee per order and 满 X 元包邮 threshold",
    description="Applies to orders placed from now on; 422 `invalid` names the field.",
)
def merchant_shipping_rule_set(request: HttpRequest, payload: ShippingRuleIn) -> Any:
    return shipping.shipping_rule_set(
        actor=request_actor(request), fee_fen=payload.fee_fen, free_over_fen=payload.free_over_fen
    )


@router.get("/merchant/stock", response=list[StockOut], summary="The merchant's stock")
@paginate_rows
def merchant_stock_list(request: HttpRequest, **kwargs: Any) -> FixedPage:
    return list_reads.merchant_stock_page(actor=request_actor(request))


@router.post("/merchant/stock", response={200: StockOut}, summary="Receive units / set the price of a SKU")
def merchant_stock_receive(request: HttpRequest, payload: StockIn) -> Any:
    item = services.stock_receive(actor=request_actor(request), **payload.dict())
    return selectors.merchant_stock_get(actor=request_actor(request), item_id=item.pk)


@router.post(
    "/merchant/stock/{stock_item_id}/set",
    response={200: StockOut},
    summary="Set the available units of a stock row, with the reason (Idempotency-Key required)",
    description="One `adjust` ledger movement with the difference; 422 `invalid_qty` / `reason_required`.",
)
def merchant_stock_set(request: HttpRequest, stock_item_id: int, payload: StockSetIn) -> Any:
    selectors.merchant_stock_get(
        actor=request_actor(request), item_id=stock_item_id
    )  # another store's: 404 first
    require_idempotency_key(request)
    services.stock_set(
        actor=request_actor(request),
        item_id=stock_item_id,
        available=payload.available,
        reason=payload.reason,
    )
    return selectors.merchant_stock_get(actor=request_actor(request), item_id=stock_item_id)


@router.get(
    "/merchant/stock/{stock_item_id}/ledger",
    response=list[StockLedgerOut],
    summary="The movements of one stock row, newest first",
)
@paginate(Pagination)
def merchant_stock_ledger(request: HttpRequest, stock_item_id: int, **kwargs: Any) -> Any:
    item = selectors.merchant_stock_get(actor=request_actor(request), item_id=stock_item_id)
    return selectors.stock_ledger(item=item)


# ---------------------------------------------------------------- operations


@router.get("/orders", response=list[OrderOut], summary="All orders (operations, order.view)")
@paginate_rows
def platform_order_list(
    request: HttpRequest, status: str = "", merchant_id: int | None = None, **kwargs: Any
) -> PageRows:
    orders = selectors.platform_orders(actor=request_actor(request), status=status, merchant_id=merchant_id)
    return PageRows(orders, selectors.order_rows)


@router.get("/orders/{order_id}", response=OrderOut, summary="One order (operations, order.view)")
def platform_order_detail(request: HttpRequest, order_id: int) -> Any:
    from mallops.core.errors import not_found

    order = selectors.platform_orders(actor=request_actor(request)).filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    return order


@router.post(
    "/flash-sales",
    response={201: FlashSaleOut},
    summary="Create a flash sale of any store's SKU (promotion.manage; Idempotency-Key required: reserves stock)",
)
def flash_sale_create(request: HttpRequest, payload: FlashSaleIn) -> Status[Any]:
    from mallops.accounts.services import require_permission

    require_permission(request_actor(request), "promotion.manage")
    require_idempotency_key(request)
    sale = flash.flash_sale_create(actor=request_actor(request), **payload.dict())
    return Status(201, sale)


@router.get("/flash-sales", response=list[FlashSaleOut], summary="Flash sales (promotion.view)")
@paginate(Pagination)
def flash_sale_list(request: HttpRequest, **kwargs: Any) -> Any:
    return selectors.flash_sales(actor=request_actor(request))


@router.get("/storefront/flash-sales", response=list[FlashSaleOut], auth=None, summary="Running flash sales")
@paginate(Pagination)
def flash_sale_public(request: HttpRequest, **kwargs: Any) -> Any:
    return selectors.flash_sales_public(timezone.now())


@router.post(
    "/flash-sales/{sale_id}/attempts",
    response={202: AttemptOut},
    summary="Buy in a flash sale (Idempotency-Key required); poll the attempt on the Redis path",
)
def flash_attempt(request: HttpRequest, sale_id: int, payload: AttemptIn) -> Status[Any]:
    require_idempotency_key(request)
    result = flash.flash_attempt(actor=request_actor(request), sale_id=sale_id, qty=payload.qty)
    return Status(202, result.__dict__)


@router.get("/flash-sales/{sale_id}/attempts/{attempt_id}", response=AttemptOut, summary="Poll an attempt")
def flash_attempt_get(request: HttpRequest, sale_id: int, attempt_id: str) -> Any:
    return flash.flash_attempt_get(
        actor=request_actor(request), sale_id=sale_id, attempt_id=attempt_id
    ).__dict__


@router.get(
    "/flash-sales/{sale_id}/reconciliation",
    response=ReconcileOut,
    summary="Prove Redis counters and database orders agree (repair=true fills lost counters)",
)
def flash_reconciliation(request: HttpRequest, sale_id: int, repair: bool = False) -> Any:
    from mallops.accounts.services import require_permission

    require_permission(request_actor(request), "promotion.manage")
    report = flash.flash_reconcile(sale_id=sale_id, repair=repair)
    return {**report.__dict__, "ok": report.ok}


# The flash sale writes of stores and operations (create, edit, cancel) register their routes on this router.
from mallops.orders.flash import api as _flash_api  # noqa: E402, F401
