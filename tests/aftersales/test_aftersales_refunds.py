"""After-sales requests (R5.2.1): refunds from the stored paid shares, 7-day window, exclusions, sweep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mallops.aftersales import rules
from mallops.aftersales.models import AfterSalesRequest, TimelineEntry
from mallops.core.sweeps import registered, run_sweeper
from mallops.orders.models import Order, OrderLine
from mallops.payments.models import Payment, Refund, SandboxTransaction
from mallops.testing.aftersales import delivered_order, excluded_product
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db


def _lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.for_merchant(order.merchant_id).filter(order=order).order_by("pk"))


def _ask(order: Order, lines: list[tuple[int, int]], **extra):
    body = {
        "order_id": order.pk,
        "kind": "refund",
        "classification": "product",
        "reason": "质量问题",
        "lines": [{"order_line_id": i, "qty": q} for i, q in lines],
    } | extra
    return ApiClient(token=token_for(order.buyer)).post_json("/api/v1/buyer/aftersales", body)


def _approve(owner, req_id: int, key: str = "k"):
    return ApiClient(token=token_for(owner)).post_json(
        f"/api/v1/merchant/aftersales/{req_id}/approve", {}, headers={"Idempotency-Key": key}
    )


@pytest.mark.req("R5.2.1")
def test_refund_of_one_line_of_a_discounted_order_is_its_stored_paid_share():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    first, second = _lines(order)
    assert order.discount_fen > 0 and first.discount_fen > 0 and first.paid_fen < first.amount_fen
    created = _ask(order, [(second.pk, second.qty)])
    assert created.status_code == 201, created.content
    body = json.loads(created.content)
    assert body["requested_fen"] == second.paid_fen
    assert body["accept_due_at"] and body["acknowledged_at"] and body["respond_due_at"]
    assert [t["event"] for t in body["timeline"]] == ["created", "acknowledged"]
    no_key = ApiClient(token=token_for(owner)).post_json(
        f"/api/v1/merchant/aftersales/{body['id']}/approve", {}
    )
    assert no_key.status_code == 428
    done = _approve(owner, body["id"])
    assert done.status_code == 200, done.content
    out = json.loads(done.content)
    # the refund went back; the request waits for a CS agent's review before it closes (R5.2.1)
    assert out["status"] == "reviewing" and out["refund_fen"] == second.paid_fen and out["closed_at"] is None
    assert out["timeline"][-1]["event"] == "concluded"
    refund = Refund.objects.get()
    assert refund.amount_fen == second.paid_fen and refund.status == "success"
    assert Payment.objects.get().refunded_fen == second.paid_fen
    assert SandboxTransaction.objects.get().refunded_fen == second.paid_fen
    # the order records the partial refund: refunded_fen is the sum of refunds, partially_refunded
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert after.status == "partially_refunded" and after.refunded_fen == second.paid_fen
    # the other line too: everything paid is back, the order is refunded
    rest = json.loads(_ask(order, [(first.pk, first.qty)]).content)
    assert json.loads(_approve(owner, rest["id"], key="k2").content)["refund_fen"] == first.paid_fen
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert after.status == "refunded" and after.refunded_fen == order.paid_fen
    assert after.refunded_fen == sum(r.amount_fen for r in Refund.objects.all())


@pytest.mark.req("R5.2.1")
def test_whole_order_request_moves_the_order_through_its_refund_states():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    created = _ask(order, [(ln.pk, ln.qty) for ln in _lines(order)])
    req_id = json.loads(created.content)["id"]
    assert Order.objects.for_merchant(merchant.pk).get(pk=order.pk).status == "refunding"
    out = json.loads(_approve(owner, req_id).content)
    assert out["refund_fen"] == order.paid_fen
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert after.status == "refunded" and after.refunded_fen == order.paid_fen
    assert Payment.objects.get().status == "refunded"


@pytest.mark.req("R5.2.1")
def test_partial_quantity_refunds_sum_exactly_to_the_line():
    merchant, owner = make_merchant()
    order = delivered_order(merchant, lines=((999, 3), (1001, 7)), off_fen=1003)
    line = _lines(order)[1]
    assert line.paid_fen % line.qty != 0
    got = []
    for i, q in enumerate((2, 4, 1)):
        body = json.loads(_ask(order, [(line.pk, q)]).content)
        got.append(json.loads(_approve(owner, body["id"], key=f"k{i}").content)["refund_fen"])
    assert sum(got) == line.paid_fen
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert after.refunded_fen == sum(got) and after.status == "partially_refunded"
    assert got == [
        rules.paid_for(line.paid_fen, line.qty, 0, 2),
        rules.paid_for(line.paid_fen, line.qty, 2, 4),
        rules.paid_for(line.paid_fen, line.qty, 6, 1),
    ]
    # nothing left of the line: one more unit is a 422 on its path
    over = _ask(order, [(line.pk, 1)])
    assert over.status_code == 422
    assert json.loads(over.content)["errors"][0]["loc"] == ["body", "lines", 0, "qty"]


def test_paid_for_largest_remainder_units():
    assert [rules.paid_for(1000, 3, k, 1) for k in range(3)] == [334, 333, 333]
    with pytest.raises(ValueError):
        rules.paid_for(1000, 3, 2, 2)


@pytest.mark.req("R5.2.1")
def test_seven_day_window_edges_in_shanghai_days():
    # delivered 2026-03-01 23:30 Shanghai = 15:30 UTC; last day 2026-03-08 (local)
    delivered = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    assert rules.last_no_reason_day(delivered).isoformat() == "2026-03-08"
    last_moment = datetime(2026, 3, 8, 15, 59, 59, tzinfo=UTC)  # 23:59:59 local on day 7
    assert rules.no_reason_refusal(delivered, last_moment, "") == ""
    assert rules.no_reason_refusal(delivered, last_moment + timedelta(seconds=1), "") == "window_closed"
    assert rules.no_reason_refusal(None, last_moment, "") == "not_delivered"
    assert rules.no_reason_refusal(delivered, delivered, "perishable") == "excluded_perishable"


@pytest.mark.req("R5.2.1")
def test_no_reason_return_outside_the_window_is_422_and_writes_nothing():
    merchant, _ = make_merchant()
    order = delivered_order(merchant, delivered_at=datetime.now(UTC) - timedelta(days=9))
    line = _lines(order)[0]
    refused = _ask(order, [(line.pk, 1)], kind="return", no_reason_return=True)
    assert refused.status_code == 422
    errors = json.loads(refused.content)["errors"]
    assert {"loc": ["body", "no_reason_return"], "code": "window_closed"}.items() <= errors[0].items()
    assert not AfterSalesRequest.objects.unscoped(reason="test").exists()
    # a quality return still goes in after the 7 days
    assert _ask(order, [(line.pk, 1)], kind="return").status_code == 201


@pytest.mark.req("R5.2.1")
@pytest.mark.parametrize("exclusion", ["custom_made", "perishable", "digital_unsealed", "periodicals"])
def test_excluded_categories_refuse_the_no_reason_return(exclusion):
    merchant, _ = make_merchant()
    order = delivered_order(merchant, exclusions={0: exclusion})
    line = _lines(order)[0]
    assert line.return_terms == {"return_policy": "excluded", "return_exclusion": exclusion}
    refused = _ask(order, [(line.pk, 1)], kind="return", no_reason_return=True)
    assert refused.status_code == 422
    err = json.loads(refused.content)["errors"][0]
    assert err["loc"] == ["body", "lines", 0, "order_line_id"] and err["code"] == "excluded_" + exclusion
    # the other line (no exclusion) is fine
    other = _lines(order)[1]
    assert other.return_terms == {"return_policy": "eligible", "return_exclusion": ""}
    assert _ask(order, [(other.pk, 1)], kind="return", no_reason_return=True).status_code == 201


@pytest.mark.req("R5.2.1")
def test_eligibility_follows_the_terms_confirmed_at_purchase_not_the_current_ones():
    from mallops.catalogue.models import Product, Sku

    merchant, _ = make_merchant()
    order = delivered_order(merchant, exclusions={0: "perishable"})
    excluded, eligible = _lines(order)
    # after the purchase the merchant makes the excluded product returnable ...
    Product.objects.for_merchant(merchant.pk).update(return_policy="eligible", return_exclusion="")
    # ... and marks the other SKU's (new) product as custom-made
    product = excluded_product(merchant, "X-unused", 100, "custom_made")
    Sku.objects.for_merchant(merchant.pk).filter(product=product).update(code=eligible.sku_code)
    # the order keeps the terms the buyer confirmed: the first line is still excluded, the second is not
    refused = _ask(order, [(excluded.pk, 1)], kind="return", no_reason_return=True)
    assert refused.status_code == 422
    assert json.loads(refused.content)["errors"][0]["code"] == "excluded_perishable"
    assert _ask(order, [(eligible.pk, 1)], kind="return", no_reason_return=True).status_code == 201


@pytest.mark.req("R5.2.1")
def test_lines_without_a_copy_of_the_terms_fall_back_to_the_current_product_terms():
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    OrderLine.objects.for_merchant(merchant.pk).filter(pk=line.pk).update(return_terms=None)
    excluded_product(merchant, line.sku_code, line.unit_price_fen, "periodicals")
    refused = _ask(order, [(line.pk, 1)], kind="return", no_reason_return=True)
    assert json.loads(refused.content)["errors"][0]["code"] == "excluded_periodicals"


@pytest.mark.req("R5.2.1")
def test_unanswered_request_is_approved_by_the_sweep_after_an_outage():
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    req_id = json.loads(_ask(order, [(line.pk, 1)]).content)["id"]
    sweeper = registered()["aftersales.auto_approve"]
    assert run_sweeper(sweeper, now=datetime.now(UTC) + timedelta(hours=47)) == 0
    # the worker was down for days: the next run finds it past due and approves it once
    later = datetime.now(UTC) + timedelta(days=5)
    assert run_sweeper(sweeper, now=later) == 1
    assert run_sweeper(sweeper, now=later) == 0
    req = AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=req_id)
    assert req.status == "reviewing" and req.outcome == "auto_approved" and req.respond_due_at is None
    assert req.refund_fen == rules.paid_for(line.paid_fen, line.qty, 0, 1)
    events = list(TimelineEntry.objects.for_merchant(merchant.pk).values_list("event", flat=True))
    assert events == ["created", "acknowledged", "auto_approved", "refunded", "concluded"]


def test_bad_input_is_422_with_paths_and_writes_nothing():
    merchant, _ = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    bad = _ask(order, [(line.pk, 1), (999999, 1)], kind="swap", classification="x", reason=" ")
    assert bad.status_code == 422
    locs = [tuple(e["loc"]) for e in json.loads(bad.content)["errors"]]
    assert locs == [
        ("body", "kind"),
        ("body", "classification"),
        ("body", "reason"),
        ("body", "lines", 1, "order_line_id"),
    ]
    schema_bad = _ask(order, [(line.pk, 0)])
    assert schema_bad.status_code == 422
    assert not AfterSalesRequest.objects.unscoped(reason="test").exists()
    assert not TimelineEntry.objects.unscoped(reason="test").exists()


def test_exchange_moves_no_money_and_reject_needs_a_reason():
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    line = _lines(order)[0]
    shop = ApiClient(token=token_for(owner))
    exchange = json.loads(_ask(order, [(line.pk, 1)], kind="exchange").content)
    assert exchange["requested_fen"] == 0
    out = json.loads(_approve(owner, exchange["id"]).content)
    # the goods were sent: they come back first (test_aftersales_returns.py), no money moves
    assert out["status"] == "awaiting_return" and out["refund_fen"] == 0
    assert out["timeline"][-1]["event"] == "awaiting_return"
    assert not Refund.objects.exists()
    repair = json.loads(_ask(order, [(line.pk, 1)], kind="repair").content)
    no_reason = shop.post_json(f"/api/v1/merchant/aftersales/{repair['id']}/reject", {"reason": "  "})
    assert no_reason.status_code == 422 and json.loads(no_reason.content)["errors"][0]["loc"] == [
        "body",
        "reason",
    ]
    listed = json.loads(shop.get_json("/api/v1/merchant/aftersales?status=pending").content)
    assert [r["id"] for r in listed["items"]] == [repair["id"]] and listed["count"] == 1
    mine = json.loads(ApiClient(token=token_for(order.buyer)).get_json("/api/v1/buyer/aftersales").content)
    assert {r["id"] for r in mine["items"]} == {exchange["id"], repair["id"]}


@pytest.mark.req("R5.2.1")
def test_lines_written_without_the_copy_get_it_at_payment():
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing.orders import make_order

    merchant, _ = make_merchant()
    order = make_order(merchant)
    line = _lines(order)[0]
    assert line.return_terms == {"return_policy": "eligible", "return_exclusion": ""}  # approved SKU
    # a line written by a path that takes no copy (the flash-sale path)
    OrderLine.objects.for_merchant(merchant.pk).filter(pk=line.pk).update(return_terms=None)
    excluded_product(merchant, line.sku_code, line.unit_price_fen, "custom_made")
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    paid_line = _lines(order)[0]
    assert paid_line.return_terms == {"return_policy": "excluded", "return_exclusion": "custom_made"}
    # later changes of the product do not reach the copy
    from mallops.catalogue.models import Product

    Product.objects.for_merchant(merchant.pk).update(return_policy="eligible", return_exclusion="")
    order_transition(actor=None, order_id=order.pk, event=Event.SHIP, carrier="SF", tracking_number="SF0001")
    assert _lines(order)[0].return_terms == paid_line.return_terms


def test_a_whole_order_refund_before_shipment_gives_the_shipping_back_too():
    # given a store charging 8 元 shipping and a paid order that has not shipped (CPL Art. 25: return
    # shipping is the buyer's only on returns of goods received)
    from mallops.orders.shipping import shipping_rule_set

    merchant, owner = make_merchant()
    shipping_rule_set(actor=owner, fee_fen=800, free_over_fen=None)
    order = delivered_order(merchant, status="paid")
    assert order.shipping_fen == 800 and order.status == "paid"
    # when the buyer asks for every line and the merchant approves
    created = _ask(order, [(ln.pk, ln.qty) for ln in _lines(order)])
    req_id = json.loads(created.content)["id"]
    out = json.loads(_approve(owner, req_id).content)
    # then the whole order is paid back, shipping included, in one provider refund
    after = Order.objects.for_merchant(merchant.pk).get(pk=order.pk)
    assert (after.status, after.refunded_fen) == ("refunded", order.paid_fen)
    assert out["refund_fen"] == order.paid_fen == sum(ln.paid_fen for ln in _lines(order)) + 800
    assert [r.amount_fen for r in Refund.objects.all()] == [order.paid_fen]
