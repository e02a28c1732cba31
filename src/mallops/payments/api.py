"""HTTP API of the payments app: open a payment, the provider's notification endpoint, the sandbox "pay"
button, merchant refunds and the reconciliation reports. Mounted at /api/v1 without a prefix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mallops.accounts.actors import request_actor, system_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Schema
from mallops.core.pagination import Pagination
from mallops.orders import selectors as order_selectors
from mallops.orders.schemas import OrderOut
from mallops.payments import services
from mallops.payments.models import ReconciliationReport

router = Router(tags=["payments"], auth=api_auth)


class PaymentOut(Schema):
    out_trade_no: str
    provider: str
    amount_fen: int
    status: str
    created_at: datetime
    paid_at: datetime | None
    sandbox_pay_path: str

    @staticmethod
    def resolve_sandbox_pay_path(obj: Any) -> str:
        return f"/api/v1/payments/sandbox/{obj.out_trade_no}/pay" if obj.provider == "sandbox" else ""


class NotifyOut(Schema):
    code: str
    outcome: str


class ReconcileIn(Schema):
    day: date


class ReconciliationOut(Schema):
    id: int
    provider: str
    day: date
    checked: int
    mismatches: list[dict[str, Any]]
    created_at: datetime


@router.post(
    "/buyer/checkouts/{checkout_id}/payment",
    response={201: PaymentOut},
    summary="Open (or fetch) the payment of a checkout (Idempotency-Key required)",
)
def payment_open(request: HttpRequest, checkout_id: int) -> Status[Any]:
    require_idempotency_key(request)
    return Status(201, services.payment_open(actor=request_actor(request), checkout_id=checkout_id))


@router.post(
    "/payments/notify/sandbox",
    response={200: NotifyOut},
    auth=None,
    summary="Asynchronous payment notification of the sandbox provider (signed)",
    description="HMAC-SHA256 signature over timestamp, nonce and the raw body (docs/orders.md); 401 "
    "`bad_signature` when it does not verify or the timestamp is more than 5 minutes off. Duplicates "
    "answer 200 with outcome `duplicate` and change nothing.",
)
def notify_sandbox(request: HttpRequest) -> Any:
    headers = {k: v for k, v in request.headers.items()}
    result = services.notification_handle(
        provider="sandbox", body=request.body, headers=headers, actor=system_actor(request)
    )
    return {"code": "SUCCESS", "outcome": result.outcome}


@router.post(
    "/payments/sandbox/{out_trade_no}/pay",
    response=NotifyOut,
    summary="Sandbox only: pay, making the provider send its signed notification",
)
def sandbox_pay(request: HttpRequest, out_trade_no: str) -> Any:
    require_idempotency_key(request)
    result = services.sandbox_pay(actor=request_actor(request), out_trade_no=out_trade_no)
    return {"code": "SUCCESS", "outcome": result.outcome}


@router.post(
    "/merchant/orders/{order_id}/refund",
    response=OrderOut,
    summary="Approve a requested refund: money back through the provider (Idempotency-Key required)",
)
def merchant_refund(request: HttpRequest, order_id: int) -> Any:
    actor = request_actor(request)
    order = order_selectors.merchant_order_get(actor=actor, order_id=order_id)
    require_idempotency_key(request)
    services.order_refund(actor=actor, merchant_id=order.merchant_id, order_id=order.pk)
    return order_selectors.merchant_order_get(actor=actor, order_id=order_id)


@router.get("/payments/reconciliations", response=list[ReconciliationOut], summary="Reconciliation reports")
@paginate(Pagination)
def reconciliation_list(request: HttpRequest, **kwargs: Any) -> Any:
    require_permission(request_actor(request), "order.view")
    return ReconciliationReport.objects.order_by("-day", "-pk")


@router.post(
    "/payments/reconciliations",
    response={201: ReconciliationOut},
    summary="Reconcile one day (system.operate)",
)
def reconciliation_run(request: HttpRequest, payload: ReconcileIn) -> Status[Any]:
    require_permission(request_actor(request), "system.operate")
    return Status(201, services.payments_reconcile(day=payload.day))
