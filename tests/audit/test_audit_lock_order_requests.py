"""The audit chain head stays the last lock when a request composes several writes (issue 16, bench/failover).

A POST with an ``Idempotency-Key`` runs inside the idempotency middleware's transaction. Checkout's risk
assessment joins that transaction, and a ``review``/``block`` decision records an audit event there,
before the checkout locks its stock rows. The middleware's transaction is therefore one ``audited``
block: every event of the request is chained when it ends, after every business row. The pay-timer
sweep releases the stock of a whole batch of orders in one transaction, so it locks those rows in one
ascending order too (as checkout reserves them), not order by order.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from mallops.audit.models import AuditEvent
from mallops.audit.selectors import audit_verify
from mallops.core.sweeps import registered, run_sweeper
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, StockItem
from mallops.orders.stock import ledger_balance
from mallops.payments.services import payment_open, sandbox_pay
from mallops.risk.engine.model import Profile
from mallops.risk.models import RiskProfileVersion
from mallops.risk.services import reset_engine
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.orders import make_buyer, make_stock

UNITS = 10_000


def _cart(rng: random.Random, skus: list[str]) -> list[str]:
    """Two or three of the SKUs, in a random order (orders then hold different sets of stock rows)."""
    chosen = rng.sample(skus, rng.choice((2, 3)))
    rng.shuffle(chosen)
    return chosen


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_reviewed_checkouts_payments_and_the_pay_timer_sweep_in_parallel_do_not_deadlock() -> None:
    # given: every order of a checkout goes to the risk analysts' queue (an audited decision inside the
    # request's transaction), four SKUs, and checkouts waiting to be paid
    RiskProfileVersion.objects.create(
        version=1,
        rules=Profile(brushing_review_orders=1, brushing_block_orders=1_000_000).to_json(),
        is_active=True,
        note="every order reviewed",
    )
    reset_engine()
    merchant, _ = make_merchant()
    skus = [make_stock(merchant, available=UNITS).sku_code for _ in range(4)]
    buyers = [make_buyer() for _ in range(4)]
    tokens = {buyer.pk: token_for(buyer) for buyer in buyers}
    rng = random.Random(16)
    payments = []
    for n, buyer in enumerate(buyers):
        checkout, _ = checkout_create(
            actor=buyer,
            idempotency_key=f"pre-{n}",
            req=CheckoutRequest(lines=[CartLine(sku, 1) for sku in _cart(rng, skus)]),
        )
        payments.append((buyer, payment_open(actor=buyer, checkout_id=checkout.pk)))
    jobs: list[tuple[str, Any]] = []
    for n, buyer in enumerate(buyers):
        for r in range(2):
            jobs.append(("request", (buyer, _cart(rng, skus), f"http-{n}-{r}")))
            jobs.append(("service", (buyer, _cart(rng, skus), f"svc-{n}-{r}")))
    jobs += [("pay", item) for item in payments]
    rng.shuffle(jobs)
    workers = 5
    shares: list[list[tuple[str, Any]]] = [jobs[i::workers] for i in range(workers)]
    # the pay-timer sweep, as a worker process runs it, with every order due
    shares.append([("sweep", None)] * 3)
    errors: list[BaseException | str] = []
    barrier = threading.Barrier(len(shares))

    def work(share: list[tuple[str, Any]]) -> None:
        try:
            barrier.wait()
            for kind, item in share:
                if kind == "request":
                    buyer, cart, key = item
                    response = ApiClient(token=tokens[buyer.pk]).post_json(
                        "/api/v1/buyer/checkout",
                        {"lines": [{"sku": sku, "qty": 1} for sku in cart]},
                        headers={"Idempotency-Key": key},
                    )
                    if response.status_code != 201:
                        errors.append(f"{key}: {response.status_code} {response.content[:300]!r}")
                elif kind == "service":
                    buyer, cart, key = item
                    checkout_create(
                        actor=buyer,
                        idempotency_key=key,
                        req=CheckoutRequest(lines=[CartLine(sku, 1) for sku in cart]),
                    )
                elif kind == "pay":
                    buyer, payment = item
                    sandbox_pay(actor=buyer, out_trade_no=payment.out_trade_no)
                else:
                    later = timezone.now() + timedelta(days=1)
                    run_sweeper(registered()["orders.cancel_unpaid"], now=later)
        except BaseException as exc:  # a deadlock is an OperationalError: collect it and fail below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: nothing failed, every order was audited once, the chain verifies and the stock balances
    assert errors == []
    orders = Order.objects.unscoped(reason="test").count()
    assert orders == len(buyers) * 5  # one merchant: one order per checkout
    assert AuditEvent.objects.filter(action="orders.order_create").count() == orders
    assert AuditEvent.objects.filter(action="risk.review").count() == len(buyers) * 2
    result = audit_verify()
    assert result.ok, result.reason
    rows = list(StockItem.objects.unscoped(reason="test").filter(sku_code__in=skus))
    assert [r.available + r.reserved + r.sold for r in rows] == [UNITS] * 4
    assert [ledger_balance(r) for r in rows] == [(r.available, r.reserved, r.sold) for r in rows]
