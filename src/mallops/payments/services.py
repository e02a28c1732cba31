"""Payment writes: open a payment, take a provider notification, refund an order, reconcile a day."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from mallops.audit.services import audit_record, audited
from mallops.core.actors import SYSTEM, Actor
from mallops.core.errors import DomainError, conflict, not_found
from mallops.core.money import refund_cap_check
from mallops.core.timeutil import SHANGHAI
from mallops.orders.checkout import require_buyer
from mallops.orders.models import Checkout, Order, OrderStatus
from mallops.orders.refunds import whole_refund_fen
from mallops.orders.services import order_refund_part, order_refund_prepare
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition, orders_lock
from mallops.payments.errors import PaymentsCode
from mallops.payments.models import (
    Payment,
    PaymentNotification,
    PaymentStatus,
    ReconciliationReport,
    Refund,
)
from mallops.payments.providers import SignatureError, get_provider

log = logging.getLogger("mallops.payments")


def _orders(checkout_id: int, order_ids: list[int] | None = None) -> list[Order]:
    qs = Order.objects.unscoped(reason="payment covers its checkout's orders").filter(checkout_id=checkout_id)
    if order_ids is not None:
        qs = qs.filter(pk__in=order_ids)
    return list(qs.order_by("pk"))


@audited()
def payment_open(*, actor: Actor, checkout_id: int, provider: str = "sandbox") -> Payment:
    """The payment for a checkout: the open one if it exists, else a new one at the provider."""
    buyer_id = require_buyer(actor)
    checkout = Checkout.objects.select_for_update().filter(pk=checkout_id, buyer_id=buyer_id).first()
    if checkout is None:
        raise not_found("checkout")
    existing = Payment.objects.filter(
        checkout=checkout, status__in=[PaymentStatus.PENDING, PaymentStatus.PAID]
    ).first()
    if existing is not None:
        return existing
    payable = [o for o in _orders(checkout.pk) if o.status == OrderStatus.CREATED]
    if not payable:
        raise conflict("Nothing in this checkout can be paid any more.", code=PaymentsCode.ORDER_NOT_PAYABLE)
    amount = sum(o.paid_fen for o in payable)
    out_trade_no = timezone.now().strftime("%Y%m%d") + secrets.token_hex(8)
    answer = get_provider(provider).create_payment(
        out_trade_no=out_trade_no, amount_fen=amount, description=f"Mallops checkout {checkout.pk}"
    )
    payment = Payment.objects.create(
        checkout=checkout,
        provider=provider,
        out_trade_no=out_trade_no,
        amount_fen=amount,
        order_ids=[o.pk for o in payable],
        provider_txn_id=answer.txn_id,
    )
    audit_record(
        actor=actor,
        action="payments.payment_open",
        obj=payment,
        after={"amount_fen": amount},
    )
    return payment


@dataclass(frozen=True)
class NotifyOutcome:
    outcome: str
    out_trade_no: str = ""


def notification_handle(
    *,
    provider: str,
    body: bytes,
    headers: dict[str, str],
    now: datetime | None = None,
    actor: Actor = SYSTEM,
) -> NotifyOutcome:
    """Verify and apply a provider notification. Bad signature: 401 ``bad_signature``, nothing written.

    ``actor``: the system, with the notification's request id and address (``accounts.actors.system_actor``).

    Idempotent: a duplicate event id, or a notification about a payment already past that state,
    changes nothing (``outcome`` says why).
    """
    now = now or timezone.now()
    try:
        note = get_provider(provider).verify_notification(body=body, headers=headers, now=now)
    except SignatureError as exc:
        log.warning("payment notification refused: %s", exc, extra={"provider": provider})
        raise DomainError(
            detail="The notification signature did not verify.",
            code=PaymentsCode.BAD_SIGNATURE,
            status=401,
            title="Unauthorized",
        ) from exc
    try:
        with audited():
            record = PaymentNotification.objects.create(
                provider=provider,
                event_id=note.event_id,
                out_trade_no=note.out_trade_no,
                kind=note.kind,
                body=note.body,
                outcome="processing",
            )
            outcome = _apply(note.kind, note.out_trade_no, note.amount_fen, note.txn_id, now, actor)
            record.outcome = outcome
            record.save(update_fields=["outcome"])
    except IntegrityError:
        return NotifyOutcome("duplicate", note.out_trade_no)
    return NotifyOutcome(outcome, note.out_trade_no)


def _apply(kind: str, out_trade_no: str, amount: int, txn_id: str, now: datetime, actor: Actor) -> str:
    payment = Payment.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
    if payment is None:
        return "unknown_payment"
    if kind == "REFUND.SUCCESS":
        return "refund_noted"
    if kind != "TRADE.SUCCESS":
        return "ignored_kind"
    if amount != payment.amount_fen:
        log.error("payment %s: notified %s fen, expected %s", out_trade_no, amount, payment.amount_fen)
        return "amount_mismatch"
    if payment.status != PaymentStatus.PENDING:
        return f"already_{payment.status}"
    payment.status, payment.paid_at, payment.provider_txn_id = PaymentStatus.PAID, now, txn_id
    payment.save(update_fields=["status", "paid_at", "provider_txn_id"])
    audit_record(actor=actor, action="payments.payment_paid", obj=payment, after={"amount_fen": amount})
    outcome = "paid"
    # every order of the payment and then their stock rows, each in id order, before moving any of them
    covered = orders_lock(order_ids=[o.pk for o in _orders(payment.checkout_id, payment.order_ids)])
    for order in covered:
        if order.status == OrderStatus.CREATED:
            order_transition(actor=actor, order_id=order.pk, event=Event.PAY, now=now)
        elif order.status == OrderStatus.CANCELLED and order.paid_fen > 0:
            # money arrived after the order was cancelled (timer fired first): give it back
            payment_refund_amount(payment=payment, order=order, amount=order.paid_fen, key=f"late:{order.pk}")
            outcome = "paid_after_cancel_refunded"
    return outcome


def refund_number(*, payment: Payment, key: str) -> str:
    """The provider's ``out_refund_no`` for the refund ``key`` of ``payment``: derived, not random, so a
    retry of the same refund (after a crash between the provider's answer and our commit) carries the same
    number and the provider (WeChat Pay, Alipay) answers it as the refund it already made instead of paying
    twice. ``key`` names the refund within the payment (``part:<order>:<reference>``, ``whole:<order>``,
    ``late:<order>``)."""
    return "rf" + hashlib.sha256(f"{payment.out_trade_no}|{key}".encode()).hexdigest()[:30]


def payment_refund_amount(*, payment: Payment, order: Order, amount: int, key: str | None = None) -> Refund:
    """Send ``amount`` fen of ``payment`` back through its provider for ``order`` (full or partial).

    ``key`` (see :func:`refund_number`) makes the provider's refund number repeatable; without one the
    number is random (callers that cannot repeat).

    Call inside a transaction holding ``payment`` locked (``select_for_update``); the order's own state is
    the orders app's business (after-sales and ``order_refund`` move it). The refund cap is checked here for
    every refund: 409 ``refund_exceeds_order`` beyond what is left of the order (a cancelled order's
    ``refunded_fen`` stays 0), ``refund_exceeds_payment`` beyond what is left of the payment.
    """
    refund_cap_check(
        paid_fen=order.paid_fen,
        refunded_fen=order.refunded_fen,
        amount_fen=amount,
        code=PaymentsCode.REFUND_EXCEEDS_ORDER,
    )
    refund_cap_check(
        paid_fen=payment.amount_fen,
        refunded_fen=payment.refunded_fen,
        amount_fen=amount,
        code=PaymentsCode.REFUND_EXCEEDS_PAYMENT,
    )
    refund = Refund.objects.create(
        payment=payment,
        order=order,
        out_refund_no=refund_number(payment=payment, key=key) if key else "rf" + secrets.token_hex(10),
        amount_fen=amount,
    )
    get_provider(payment.provider).refund(
        out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no, amount_fen=amount
    )
    refund.status = "success"
    refund.save(update_fields=["status"])
    payment.refunded_fen += amount
    if payment.refunded_fen >= payment.amount_fen:
        payment.status = PaymentStatus.REFUNDED
    payment.save(update_fields=["refunded_fen", "status"])
    audit_record(
        actor=None, action="payments.refund", obj=refund, after={"order": order.pk, "amount_fen": amount}
    )
    return refund


def _payment_for(order: Order) -> Payment:
    """The paid (or partly refunded) payment of ``order``'s checkout, locked; 409 ``no_payment``."""
    payment = (
        Payment.objects.select_for_update()
        .filter(checkout_id=order.checkout_id, status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED])
        .first()
    )
    if payment is None:
        raise conflict("No payment to refund.", code=PaymentsCode.NO_PAYMENT)
    return payment


@audited()
def refund_issue(
    *,
    actor: Actor | None,
    order_id: int,
    amount_fen: int,
    reference: str,
    lines: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> Order:
    """Pay ``amount_fen`` of an order back through its payment's provider, then record it on the order
    (``orders.services.order_refund_part``: ``refunded_fen`` grows, on the order and on its lines by
    ``lines`` (``{order line id: fen}``, else apportioned), ``partially_refunded``/``refunded``).

    The one path for a partial refund (after-sales calls it; the caller authorised). One transaction that
    locks the payment, then the order, then its lines in id order (the audit head last), and decides
    everything before the provider is asked (issue 16): a ``reference`` already applied to the order is a
    replay and returns the order as it is, with no second provider refund; 409 ``refund_exceeds_order``,
    ``refund_exceeds_line``, ``invalid_line``, ``illegal_transition``, ``refund_exceeds_payment`` beyond
    what is left, ``no_payment`` without a paid payment; nothing written then.
    """
    found = Order.objects.unscoped(reason="refund (caller authorised)").filter(pk=order_id).first()
    if found is None:
        raise not_found("order")
    # the payment is every refund's first lock, so replays of one reference queue here and the second
    # sees the first one's PartialRefund row
    payment = _payment_for(found)
    order, is_replay = order_refund_prepare(
        order_id=found.pk, amount_fen=amount_fen, reference=reference, lines=lines
    )
    if is_replay:
        return order
    payment_refund_amount(payment=payment, order=order, amount=amount_fen, key=f"part:{order.pk}:{reference}")
    return order_refund_part(
        actor=actor,
        order_id=order.pk,
        amount_fen=amount_fen,
        reference=reference,
        lines=lines,
        now=now,
    )


def _refunding(order: Order) -> None:
    if order.status != OrderStatus.REFUNDING:
        raise conflict(
            f"An order in status {order.status!r} cannot refund.",
            code=PaymentsCode.ILLEGAL_TRANSITION,
            status=order.status,
            event="refund",
        )


@audited()
def order_refund(*, actor: Actor | None, merchant_id: int, order_id: int) -> Order:
    """The merchant approves a requested refund: what is left of the order's paid amount goes back through
    the provider (earlier partial refunds are not paid twice), order -> refunded.

    Locks the payment, then the order, and reads the status and what is left under those locks: a second
    approval that waited for the first finds the order refunded and pays nothing (409
    ``illegal_transition``)."""
    found = Order.objects.for_merchant(merchant_id).filter(pk=order_id).first()
    if found is None:
        raise not_found("order")
    _refunding(found)
    payment = _payment_for(found)
    order = Order.objects.for_merchant(merchant_id).select_for_update().get(pk=found.pk)
    _refunding(order)
    # what is left: part of the order may have been refunded before (after-sales partial refunds); the
    # shipping goes back only when the order had not shipped (orders.refunds.whole_refund_fen)
    left = whole_refund_fen(order) - order.refunded_fen
    if left > 0:
        payment_refund_amount(payment=payment, order=order, amount=left, key=f"whole:{order.pk}")
    return order_transition(actor=actor, order_id=order.pk, event=Event.REFUND, merchant_id=merchant_id)


def sandbox_pay(*, actor: Actor, out_trade_no: str, now: datetime | None = None) -> NotifyOutcome:
    """The sandbox's "pay" button: the provider books the payment and delivers its signed notification
    (in-process, through the same verification as ``POST /payments/notify/sandbox``)."""
    buyer_id = require_buyer(actor)
    payment = Payment.objects.filter(
        out_trade_no=out_trade_no, checkout__buyer_id=buyer_id, provider="sandbox"
    ).first()
    if payment is None:
        raise not_found("payment")
    now = now or timezone.now()
    from mallops.payments.providers.sandbox import SandboxProvider

    provider = get_provider("sandbox")
    assert isinstance(provider, SandboxProvider)
    body, headers = provider.simulate_pay(out_trade_no, now)
    return notification_handle(provider="sandbox", body=body, headers=headers, now=now)


@audited()
def payments_reconcile(*, day: date, provider: str = "sandbox") -> ReconciliationReport:
    """Compare the provider's statement for ``day`` with our payments and orders; store the mismatches."""
    statement = {p.out_trade_no: p for p in get_provider(provider).statement(day)}
    ours = {p.out_trade_no: p for p in Payment.objects.filter(out_trade_no__in=list(statement))}
    start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)
    paid_here = Payment.objects.filter(
        provider=provider, paid_at__gte=start, paid_at__lt=start + timedelta(days=1)
    )
    mismatches: list[dict[str, Any]] = []
    for no, theirs in statement.items():
        mine = ours.get(no)
        if mine is None:
            mismatches.append({"out_trade_no": no, "problem": "unknown_payment"})
        elif mine.status == PaymentStatus.PENDING:
            mismatches.append({"out_trade_no": no, "problem": "paid_at_provider_not_here"})
        elif mine.amount_fen != theirs.amount_fen:
            mismatches.append(
                {
                    "out_trade_no": no,
                    "problem": "amount",
                    "ours": mine.amount_fen,
                    "theirs": theirs.amount_fen,
                }
            )
        elif mine.refunded_fen != theirs.refunded_fen:
            mismatches.append(
                {
                    "out_trade_no": no,
                    "problem": "refunded",
                    "ours": mine.refunded_fen,
                    "theirs": theirs.refunded_fen,
                }
            )
    for mine in paid_here:
        if mine.out_trade_no not in statement:
            mismatches.append({"out_trade_no": mine.out_trade_no, "problem": "paid_here_not_at_provider"})
        for order in _orders(mine.checkout_id, mine.order_ids):
            if order.status == OrderStatus.CREATED:
                mismatches.append(
                    {"out_trade_no": mine.out_trade_no, "problem": "order_unpaid", "order": order.number}
                )
    report = ReconciliationReport.objects.create(
        provider=provider, day=day, checked=len(statement), mismatches=mismatches
    )
    if mismatches:
        log.error("reconciliation %s %s: %d mismatches", provider, day, len(mismatches))
    return report
