"""Payments: signed notifications (bad signature 401, duplicates idempotent), sandbox pay, refunds,
reconciliation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core.timeutil import to_local
from mallops.orders.models import Order, StockItem
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.payments.models import Payment, PaymentNotification, Refund, SandboxTransaction
from mallops.payments.providers.sandbox import canonical, sign, signed_headers
from mallops.payments.services import payments_reconcile
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/notify/sandbox"


@pytest.fixture
def opened():
    merchant, owner = make_merchant()
    buyer = make_buyer()
    order = make_order(merchant, buyer=buyer, qty=2)
    client = ApiClient(token=token_for(buyer))
    response = client.post_json(
        f"/api/v1/buyer/checkouts/{order.checkout_id}/payment", {}, headers={"Idempotency-Key": "pay-1"}
    )
    assert response.status_code == 201, response.content
    payment = Payment.objects.get(out_trade_no=json.loads(response.content)["out_trade_no"])
    return {"order": order, "payment": payment, "client": client, "owner": owner, "buyer": buyer}


def _notification(payment: Payment, *, event_id: str = "evt-1", amount: int | None = None) -> bytes:
    txn = SandboxTransaction.objects.get(out_trade_no=payment.out_trade_no)
    txn.status, txn.paid_at = "SUCCESS", timezone.now()
    txn.save()
    return canonical(
        {
            "event_id": event_id,
            "kind": "TRADE.SUCCESS",
            "out_trade_no": payment.out_trade_no,
            "txn_id": txn.txn_id,
            "amount_fen": payment.amount_fen if amount is None else amount,
            "at": timezone.now().isoformat(),
        }
    )


def _post(body: bytes, headers: dict[str, str]):
    return ApiClient().post(NOTIFY, data=body, content_type="application/json", headers=headers)


def _status(order: Order) -> str:
    return Order.objects.unscoped(reason="test").get(pk=order.pk).status


@pytest.mark.req("R6.1.1")
def test_a_bad_signature_is_401_logged_and_changes_nothing(opened, caplog):
    body = _notification(opened["payment"])
    headers = signed_headers(body, timezone.now())
    headers["X-Sandbox-Signature"] = "0" * 64
    response = _post(body, headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "bad_signature"
    assert "payment notification refused" in caplog.text
    # a body changed after signing, and a stale timestamp, are refused the same way
    good = signed_headers(body, timezone.now())
    assert _post(body.replace(b'"amount_fen":', b'"amount_fen":1'), good).status_code == 401
    stale = signed_headers(body, timezone.now() - timedelta(minutes=6))
    assert _post(body, stale).status_code == 401
    assert PaymentNotification.objects.count() == 0
    assert Payment.objects.get(pk=opened["payment"].pk).status == "pending"
    assert _status(opened["order"]) == "created"


@pytest.mark.req("R6.1.1")
def test_duplicates_and_replays_change_nothing_twice(opened):
    body = _notification(opened["payment"])
    first = _post(body, signed_headers(body, timezone.now()))
    assert json.loads(first.content)["outcome"] == "paid"
    assert _status(opened["order"]) == "paid"
    dup = _post(body, signed_headers(body, timezone.now()))
    assert dup.status_code == 200 and json.loads(dup.content)["outcome"] == "duplicate"
    # a re-sent notification under a new event id is recognised by the payment's state
    other = _notification(opened["payment"], event_id="evt-2")
    assert (
        json.loads(_post(other, signed_headers(other, timezone.now())).content)["outcome"] == "already_paid"
    )
    item = StockItem.objects.unscoped(reason="test").get(
        sku_code=opened["order"].lines.unscoped(reason="t").get().sku_code
    )
    assert item.sold == 2 and item.reserved == 0


def test_a_wrong_amount_is_recorded_and_does_not_pay(opened):
    body = _notification(opened["payment"], amount=1)
    assert (
        json.loads(_post(body, signed_headers(body, timezone.now())).content)["outcome"] == "amount_mismatch"
    )
    assert _status(opened["order"]) == "created"


def test_money_arriving_after_the_timeout_is_refunded(opened):
    order_transition(actor=None, order_id=opened["order"].pk, event=Event.CANCEL, reason="payment_timeout")
    body = _notification(opened["payment"])
    outcome = json.loads(_post(body, signed_headers(body, timezone.now())).content)["outcome"]
    assert outcome == "paid_after_cancel_refunded"
    assert Refund.objects.get().amount_fen == opened["order"].paid_fen
    assert SandboxTransaction.objects.get().refunded_fen == opened["order"].paid_fen


def test_sandbox_pay_button_sends_the_notification_and_reconciliation_agrees(opened):
    no = opened["payment"].out_trade_no
    response = opened["client"].post_json(
        f"/api/v1/payments/sandbox/{no}/pay", {}, headers={"Idempotency-Key": "p"}
    )
    assert json.loads(response.content)["outcome"] == "paid"
    assert _status(opened["order"]) == "paid"
    today = to_local(timezone.now()).date()
    assert payments_reconcile(day=today).mismatches == []
    # the provider knows a payment we never marked paid: reported
    Payment.objects.filter(pk=opened["payment"].pk).update(status="pending", paid_at=None)
    problems = {m["problem"] for m in payments_reconcile(day=today).mismatches}
    assert "paid_at_provider_not_here" in problems
    ops = ApiClient(token=token_for(make_staff("tech_ops")))
    run = ops.post_json("/api/v1/payments/reconciliations", {"day": today.isoformat()})
    assert run.status_code == 201 and json.loads(run.content)["checked"] == 1


def test_merchant_refund_goes_through_the_provider(opened):
    no = opened["payment"].out_trade_no
    opened["client"].post_json(f"/api/v1/payments/sandbox/{no}/pay", {}, headers={"Idempotency-Key": "p"})
    order = opened["order"]
    opened["client"].post_json(f"/api/v1/buyer/orders/{order.pk}/refund-request", {"reason": "不想要了"})
    merchant = ApiClient(token=token_for(opened["owner"]))
    assert merchant.post_json(f"/api/v1/merchant/orders/{order.pk}/refund", {}).status_code == 428
    response = merchant.post_json(
        f"/api/v1/merchant/orders/{order.pk}/refund", {}, headers={"Idempotency-Key": "r"}
    )
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["status"] == "refunded"
    assert SandboxTransaction.objects.get().status == "REFUND"
    assert Payment.objects.get().status == "refunded"


def test_signature_is_hmac_sha256_over_timestamp_nonce_and_body():
    import hashlib
    import hmac

    assert (
        sign(b"{}", "1700000000", "abc", key=b"k")
        == hmac.new(b"k", b"1700000000\nabc\n{}", hashlib.sha256).hexdigest()
    )


def test_an_order_cancelled_before_the_payment_opened_is_not_refunded():
    merchant_a, _ = make_merchant()
    merchant_b, _ = make_merchant()
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.testing.orders import make_stock

    a, b = make_stock(merchant_a), make_stock(merchant_b)
    buyer = make_buyer()
    checkout, _ = checkout_create(
        actor=actor_of(buyer),
        idempotency_key="two",
        req=CheckoutRequest(lines=[CartLine(a.sku_code, 1), CartLine(b.sku_code, 1)]),
    )
    first, second = Order.objects.unscoped(reason="t").filter(checkout=checkout).order_by("pk")
    ApiClient(token=token_for(buyer)).post_json(f"/api/v1/buyer/orders/{first.pk}/cancel", {})
    from mallops.payments.services import payment_open

    payment = payment_open(actor=actor_of(buyer), checkout_id=checkout.pk)
    assert payment.amount_fen == second.paid_fen and payment.order_ids == [second.pk]
    body = _notification(payment)
    assert json.loads(_post(body, signed_headers(body, timezone.now())).content)["outcome"] == "paid"
    assert _status(first) == "cancelled" and _status(second) == "paid"
    assert Refund.objects.count() == 0
