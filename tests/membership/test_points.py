"""Points (R2.3.1): ledger and balance, earn/freeze/unfreeze, redemption at checkout as a tender, exact
give-back on partial refunds, expiry with notice, coupons for points, staff adjustments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.aftersales.services import LineIn, request_approve, request_create
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.core.sweeps import registered, run_sweeper
from mallops.membership import points_engine as engine
from mallops.membership.models import PointsAccount, PointsEntry, PointsLine, PointsNotice, PointsOrder
from mallops.membership.points import points_adjust
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create, checkout_quote
from mallops.orders.models import Order, OrderLine
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.payments.services import payment_open, sandbox_pay
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer, make_stock


def _sweep(name: str, now: datetime | None = None) -> int:
    return run_sweeper(registered()[f"membership.{name}"], now=now)


def assert_reconciles(buyer_id: int) -> PointsAccount:
    """The balance row equals the sum of the ledger, and neither side is negative."""
    account = PointsAccount.objects.get(buyer_id=buyer_id)
    sums = PointsEntry.objects.filter(buyer_id=buyer_id).aggregate(a=Sum("delta"), f=Sum("frozen_delta"))
    assert (account.available, account.frozen) == (sums["a"] or 0, sums["f"] or 0)
    assert account.available >= 0 and account.frozen >= 0
    return account


def _give(buyer: Any, n: int) -> None:
    points_adjust(actor=actor_of(make_staff("product_ops")), buyer_id=buyer.pk, delta=n, reason="开业赠送")


def _paid_checkout(buyer: Any, lines: list[tuple[Any, int]], points: int, key: str) -> list[Order]:
    checkout, _ = checkout_create(
        actor=buyer,
        idempotency_key=key,
        req=CheckoutRequest(lines=[CartLine(item.sku_code, qty) for item, qty in lines], points=points),
    )
    payment = payment_open(actor=buyer, checkout_id=checkout.pk)
    assert sandbox_pay(actor=buyer, out_trade_no=payment.out_trade_no).outcome == "paid"
    return list(checkout.orders.unscoped(reason="test").order_by("pk"))


def _lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.for_merchant(order.merchant_id).filter(order=order).order_by("pk"))


def _refund_units(order: Order, owner: Any, line: OrderLine, qty: int) -> None:
    req = request_create(
        actor=actor_of(order.buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="不想要了",
        lines=[LineIn(line.pk, qty)],
    )
    request_approve(actor=actor_of(owner), request_id=req.pk, merchant_id=order.merchant_id)


# --- engine against simple oracles ------------------------------------------------------------------------


def _oracle_units(total: int, qty: int, units: int) -> int:
    """Unit by unit: each unit gets total // qty, the first total % qty units one more."""
    return sum(total // qty + (1 if i < total % qty else 0) for i in range(units))


@settings(max_examples=50, deadline=None)
@given(
    requested=st.integers(0, 10**6),
    balance=st.integers(0, 10**6),
    paid=st.lists(st.integers(0, 10**6), min_size=1, max_size=6),
    rate=st.sampled_from([1, 10, 100, 150, 1000]),
    cap=st.integers(0, 100),
)
def test_redemption_never_exceeds_request_balance_or_cap_and_splits_exactly(
    requested: int, balance: int, paid: list[int], rate: int, cap: int
) -> None:
    payable = sum(paid)
    r = engine.redemption(
        requested=requested, balance=balance, payable_fen=payable, rate=rate, cap_percent=cap
    )
    assert 0 <= r.points <= min(requested, balance)
    assert 0 <= r.fen <= payable * cap // 100
    assert r.fen == r.points * 100 // rate  # the points are the fewest that pay the fen
    parts = engine.split_over_lines(r.points, r.fen, paid)
    assert sum(p for p, _ in parts) == r.points and sum(f for _, f in parts) == r.fen
    assert all(0 <= f <= line for (_, f), line in zip(parts, paid, strict=True))


@settings(max_examples=50, deadline=None)
@given(total=st.integers(0, 10**6), qty=st.integers(1, 50), data=st.data())
def test_partial_refunds_give_back_each_units_share_and_add_up_to_the_line(
    total: int, qty: int, data: Any
) -> None:
    # successive refunds of some units: each gives back the prefix difference, all of them the line
    cuts = sorted(data.draw(st.lists(st.integers(0, qty), max_size=4)))
    given_back, done = 0, 0
    for units in [*cuts, qty]:
        share = engine.units_share(total, qty, units) - engine.units_share(total, qty, done)
        assert share == _oracle_units(total, qty, units) - _oracle_units(total, qty, done)
        given_back, done = given_back + share, units
    assert given_back == total


def test_points_expire_at_the_end_of_the_twelfth_month_after_earning() -> None:
    assert engine.expiry_month_end(datetime(2026, 12, 7).date(), 12) == datetime(2028, 1, 1).date()
    assert engine.expiry_month_end(datetime(2026, 1, 31).date(), 12) == datetime(2027, 2, 1).date()


# --- redemption at checkout, refunds ----------------------------------------------------------------------


@pytest.mark.req("R2.3.1")
@pytest.mark.django_db
def test_points_pay_part_of_the_payable_amount_and_a_partial_refund_gives_back_exactly_that_lines_share() -> (
    None
):
    # given a buyer with 10,000 points and a cart of odd amounts: 3 x 33.33 元 and 1 x 10.01 元 = 110.00 元
    merchant, owner = make_merchant()
    buyer = make_buyer()
    _give(buyer, 10_000)
    a = make_stock(merchant, price_fen=3333, available=10)
    b = make_stock(merchant, price_fen=1001, available=10)
    req = CheckoutRequest(lines=[CartLine(a.sku_code, 3), CartLine(b.sku_code, 1)], points=10_000)
    # the quote caps the points at 50 % of the payable amount (100 points = 1 元); its total is unchanged
    quote = checkout_quote(actor=buyer, req=req)
    assert (quote["total"], quote["points"]) == (
        11000,
        {"balance": 10_000, "used": 5500, "fen": 5500, "cash_total": 5500},
    )
    # when the buyer checks out with them and pays
    (order,) = _paid_checkout(buyer, [(a, 3), (b, 1)], 10_000, "pts-1")
    first, second = _lines(order)
    # then points pay 55.00 元 split like a discount (largest remainder, tie to the first line)
    assert [(pl.points, pl.points_fen) for pl in PointsLine.objects.order_by("order_line_id")] == [
        (5000, 5000),
        (500, 500),
    ]
    assert (first.paid_fen, second.paid_fen, order.paid_fen) == (4999, 501, 5500)
    assert (first.discount_fen, second.discount_fen) == (0, 0)  # points are a tender, not a discount
    assert assert_reconciles(buyer.pk).available == 4500
    # and the paid order earns 1 point per whole 元 paid in cash, frozen
    assert _sweep("points_earn") == 1
    assert (assert_reconciles(buyer.pk).available, assert_reconciles(buyer.pk).frozen) == (4500, 55)

    # when one of the three units of the first line is refunded
    _refund_units(order, owner, first, 1)
    order.refresh_from_db()
    # then only the cash part of that unit goes back, and exactly its share of the points
    assert order.refunded_fen == 1667  # 4999 fen over 3 units: 1667, 1666, 1666
    assert _sweep("points_settle") == 1
    po = PointsOrder.objects.get(order=order)
    assert (po.returned, po.reversed) == (1667, 17)  # 5000 points over 3 units: 1667, 1667, 1666
    account = assert_reconciles(buyer.pk)
    assert (account.available, account.frozen) == (4500 + 1667, 55 - 17)  # 38 = 38.33 元 still paid

    # when the two other units follow: the line's points come back in full, nothing twice
    _refund_units(order, owner, first, 2)
    assert _sweep("points_settle") == 1 and _sweep("points_settle") == 0
    assert PointsLine.objects.get(order_line=first).returned == 5000
    account = assert_reconciles(buyer.pk)
    assert (account.available, account.frozen) == (4500 + 5000, 5)  # 5.01 元 of the second line remain
    kinds = list(
        PointsEntry.objects.filter(buyer=buyer).order_by("pk").values_list("kind", "delta", "frozen_delta")
    )
    assert kinds == [
        ("adjust", 10_000, 0),
        ("redeem", -5500, 0),
        ("earn", 0, 55),
        ("return", 1667, 0),
        ("reverse", 0, -17),
        ("return", 3333, 0),
        ("reverse", 0, -33),
    ]
    assert AuditEvent.objects.filter(action__startswith="membership.points_").count() == len(kinds)


@pytest.mark.django_db
def test_points_are_capped_by_the_balance_and_an_order_cancelled_unpaid_gives_them_back() -> None:
    merchant, _ = make_merchant()
    buyer = make_buyer()
    _give(buyer, 300)
    item = make_stock(merchant, price_fen=2000, available=5)
    checkout, _ = checkout_create(
        actor=buyer,
        idempotency_key="pts-cap",
        req=CheckoutRequest(lines=[CartLine(item.sku_code, 1)], points=999),
    )
    order = checkout.orders.unscoped(reason="test").get()
    assert (order.paid_fen, checkout.total_fen, checkout.quote["points"]["used"]) == (1700, 2000, 300)
    assert assert_reconciles(buyer.pk).available == 0
    order_transition(actor=None, order_id=order.pk, event=Event.CANCEL, reason="payment_timeout")
    assert _sweep("points_settle") == 1
    assert assert_reconciles(buyer.pk).available == 300
    assert _sweep("points_earn") == 0  # never paid: nothing earned


@pytest.mark.django_db
def test_earned_points_unfreeze_only_after_the_return_window_after_delivery() -> None:
    merchant, owner = make_merchant()
    buyer = make_buyer()
    item = make_stock(merchant, price_fen=12345, available=5)
    (order,) = _paid_checkout(buyer, [(item, 1)], 0, "pts-freeze")
    _sweep("points_earn")
    assert (assert_reconciles(buyer.pk).frozen, PointsOrder.objects.get(order=order).earned) == (123, 123)
    later = timezone.now() + timedelta(days=8)
    _sweep("points_unfreeze", later)  # not delivered yet: the timer moves on a day
    assert assert_reconciles(buyer.pk).frozen == 123
    order_transition(
        actor=None, order_id=order.pk, event=Event.SHIP, carrier="SF", tracking_number="SF0000000001"
    )
    delivered = timezone.now() + timedelta(days=8)
    order_transition(actor=None, order_id=order.pk, event=Event.DELIVER, now=delivered)
    _sweep("points_unfreeze", delivered + timedelta(days=2))
    assert assert_reconciles(buyer.pk).frozen == 123  # inside the 7-day window after delivery
    _sweep("points_unfreeze", delivered + timedelta(days=8))
    account = assert_reconciles(buyer.pk)
    assert (account.available, account.frozen) == (123, 0)
    assert PointsOrder.objects.get(order=order).unfreeze_due_at is None
    # a refund after the buyer spent 100 of them: the rest is taken back, the balance stays >= 0
    points_adjust(actor=actor_of(make_staff("product_ops")), buyer_id=buyer.pk, delta=-100, reason="兑换礼品")
    _refund_units(order, owner, _lines(order)[0], 1)
    assert _sweep("points_settle") == 1
    po = PointsOrder.objects.get(order=order)
    assert (po.reversed, po.reverse_shortfall, assert_reconciles(buyer.pk).available) == (123, 100, 0)


@pytest.mark.django_db
def test_shipping_earns_no_points() -> None:
    # given a store charging 8 元 shipping: the buyer pays 123.45 元 of goods + 8 元
    from mallops.orders.shipping import shipping_rule_set

    merchant, owner = make_merchant()
    shipping_rule_set(actor=owner, fee_fen=800, free_over_fen=None)
    buyer = make_buyer()
    item = make_stock(merchant, price_fen=12345, available=5)
    (order,) = _paid_checkout(buyer, [(item, 1)], 0, "pts-shipping")
    assert (order.paid_fen, order.shipping_fen) == (13145, 800)
    # then the points are earned on the goods only (1 point per whole 元)
    _sweep("points_earn")
    assert PointsOrder.objects.get(order=order).earned == 123


# --- expiry, coupons, adjustments -------------------------------------------------------------------------


@pytest.mark.django_db
def test_points_expire_first_in_first_out_with_a_notice_before() -> None:
    buyer = make_buyer()
    staff = make_staff("product_ops")
    jan = datetime(2026, 1, 10, 4, tzinfo=UTC)
    points_adjust(actor=actor_of(staff), buyer_id=buyer.pk, delta=100, reason="活动补偿", now=jan)
    points_adjust(
        actor=actor_of(staff), buyer_id=buyer.pk, delta=50, reason="活动补偿", now=jan + timedelta(days=40)
    )
    points_adjust(
        actor=actor_of(staff), buyer_id=buyer.pk, delta=-30, reason="误发收回", now=jan + timedelta(days=41)
    )
    account = PointsAccount.objects.get(buyer=buyer)
    expiry = datetime(2027, 1, 31, 16, tzinfo=UTC)  # 2027-02-01 00:00 Asia/Shanghai
    assert (account.expiry_due_at, account.notice_due_at) == (expiry, expiry - timedelta(days=30))
    # 30 days before: the buyer is told that 70 (100 earned first, 30 spent) expire
    assert _sweep("points_expiry_notice", expiry - timedelta(days=29)) == 1
    assert list(PointsNotice.objects.values_list("points", flat=True)) == [70]
    assert _sweep("points_expire", expiry - timedelta(seconds=1)) == 0
    assert _sweep("points_expire", expiry) == 1
    account = assert_reconciles(buyer.pk)
    assert (account.available, account.expiry_due_at) == (50, datetime(2027, 2, 28, 16, tzinfo=UTC))
    assert _sweep("points_expire", expiry + timedelta(days=40)) == 1
    assert assert_reconciles(buyer.pk).available == 0


@pytest.mark.django_db
def test_staff_adjustment_needs_a_reason_and_never_goes_below_zero() -> None:
    buyer = make_buyer()
    staff = make_staff("product_ops")
    with pytest.raises(DomainError) as no_reason:
        points_adjust(actor=actor_of(staff), buyer_id=buyer.pk, delta=10, reason="  ")
    assert no_reason.value.status == 422
    with pytest.raises(DomainError) as below:
        points_adjust(actor=actor_of(staff), buyer_id=buyer.pk, delta=-1, reason="收回")
    assert below.value.code == "points_insufficient"
    assert not PointsEntry.objects.exists()
    with pytest.raises(DomainError) as denied:
        points_adjust(actor=actor_of(make_buyer()), buyer_id=buyer.pk, delta=10, reason="自己加")
    assert denied.value.status == 403


# --- PostgreSQL: real parallel earn / redeem --------------------------------------------------------------


@pytest.mark.req("R2.3.1")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_earn_redeem_and_adjust_keep_the_balance_equal_to_the_ledger_and_never_negative() -> None:
    import random
    import threading

    from django.db import connection

    from mallops.audit.selectors import audit_verify

    # given one buyer with 1,000 points, paid orders waiting to earn, and SKUs to check out
    merchant, _ = make_merchant()
    buyer = make_buyer()
    staff = make_staff("product_ops")
    _give(buyer, 1000)
    items = [make_stock(merchant, price_fen=1000, available=1000) for _ in range(3)]
    for n in range(6):
        _paid_checkout(buyer, [(items[n % 3], 2)], 0, f"pre-{n}")
    jobs: list[tuple[str, int]] = [("checkout", n) for n in range(16)]
    jobs += [("adjust", n) for n in range(6)] + [("earn", n) for n in range(4)]
    random.Random(5).shuffle(jobs)
    workers = 6
    shares = [jobs[i::workers] for i in range(workers)]
    refused: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(share: list[tuple[str, int]]) -> None:
        try:
            barrier.wait()
            for kind, n in share:
                if kind == "checkout":
                    order = [items[(n + k) % 3] for k in range(2)]
                    try:
                        checkout_create(
                            actor=buyer,
                            idempotency_key=f"par-{n}",
                            req=CheckoutRequest(lines=[CartLine(it.sku_code, 1) for it in order], points=300),
                        )
                    except DomainError as exc:  # the balance ran out meanwhile: refused, nothing written
                        refused.append(exc.code)
                elif kind == "adjust":
                    points_adjust(actor=actor_of(staff), buyer_id=buyer.pk, delta=100, reason="并发补偿")
                else:
                    _sweep("points_earn")
        except BaseException as exc:  # a deadlock is an OperationalError: collect it and fail below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then nothing deadlocked, the ledger reconciles and each success spent exactly its points
    assert errors == []
    assert set(refused) <= {"points_insufficient"}
    spent = -(PointsEntry.objects.filter(buyer=buyer, kind="redeem").aggregate(s=Sum("delta"))["s"] or 0)
    # a checkout that read a lower balance used fewer points (or none); each order's cash + points is its total
    rows = list(PointsOrder.objects.filter(redeemed__gt=0).select_related("order"))
    assert spent == sum(po.redeemed for po in rows) > 0
    assert all(po.order.paid_fen + po.redeemed_fen == 2000 and po.redeemed <= 300 for po in rows)
    assert len(rows) <= 16 - len(refused)
    account = assert_reconciles(buyer.pk)
    assert account.available == 1000 + 6 * 100 - spent
    assert account.frozen == 6 * 20  # six orders of 20.00 元 earned once each
    assert audit_verify().ok


# --- API -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_points_api_balance_ledger_pages_adjust_and_a_coupon_for_points() -> None:
    import json

    from mallops.pricing.models import Coupon
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for
    from mallops.testing.pricing import make_batch

    buyer = make_buyer()
    staff = ApiClient(token=token_for(make_staff("product_ops")))
    me = ApiClient(token=token_for(buyer))
    # staff add points twice (reason required, Idempotency-Key required); a buyer may not
    for n, key in ((500, "a1"), (300, "a2")):
        body = {"buyer_id": buyer.pk, "delta": n, "reason": "客诉补偿"}
        assert (
            staff.post_json("/api/v1/membership/points/adjust", body, {"Idempotency-Key": key}).status_code
            == 201
        )
    denied = me.post_json(
        "/api/v1/membership/points/adjust",
        {"buyer_id": buyer.pk, "delta": 9, "reason": "x"},
        {"Idempotency-Key": "b"},
    )
    assert denied.status_code == 403
    # the buyer reads the balance and the ledger, one entry a page
    first = json.loads(me.get_json("/api/v1/membership/points?limit=1").content)
    assert (first["available"], first["frozen"], first["rate"], first["cap_percent"]) == (800, 0, 100, 50)
    assert [e["delta"] for e in first["entries"]] == [300] and first["next_before"] is not None
    second = json.loads(
        me.get_json(f"/api/v1/membership/points?limit=1&before={first['next_before']}").content
    )
    assert [e["delta"] for e in second["entries"]] == [500] and second["next_before"] is None
    assert (first["expiring"], first["expires_at"]) == (800, first["entries"][0]["expires_at"])
    # staff offer a platform coupon batch for 600 points; the buyer takes one
    batch = make_batch(None, per_buyer_limit=5)
    offer = staff.put(
        "/api/v1/membership/points/coupon-offers",
        data={"batch_id": batch.pk, "points": 600},
        content_type="application/json",
        headers=staff._headers(None),
    )
    assert offer.status_code == 200, offer.content
    offer_id = json.loads(offer.content)["id"]
    listed = json.loads(me.get_json("/api/v1/membership/points/coupons").content)["items"]
    assert [(o["id"], o["points"]) for o in listed] == [(offer_id, 600)]
    path = f"/api/v1/membership/points/coupons/{offer_id}/take"
    assert me.post_json(path, {}).status_code == 428
    taken = me.post_json(path, {}, {"Idempotency-Key": "t1"})
    assert taken.status_code == 201, taken.content
    assert json.loads(taken.content)["available"] == 200
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=batch).count() == 1
    # a second one: not enough points left, nothing issued
    again = me.post_json(path, {}, {"Idempotency-Key": "t2"})
    assert (again.status_code, json.loads(again.content)["code"]) == (409, "points_insufficient")
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=batch).count() == 1
    assert assert_reconciles(buyer.pk).available == 200
