"""The campaign report (R1.4.2) reconciles exactly with the discount shares stored on the order lines."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from django.test import Client
from django.utils import timezone

from mallops.core.money import format_fen
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, OrderLine
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.pricing.models import Coupon
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_stock
from mallops.testing.pricing import make_batch, make_buyer, make_promotion

pytestmark = pytest.mark.django_db


def _hold(batch, buyer) -> Coupon:
    coupon: Coupon = Coupon.objects.create(
        batch=batch,
        merchant_id=batch.merchant_id,
        buyer=buyer,
        claimed_at=timezone.now(),
        valid_from=batch.starts_at,
        expires_at=batch.ends_at,
    )
    return coupon


def _checkout(buyer, lines, key) -> list[Order]:
    checkout, _ = checkout_create(
        actor=buyer, idempotency_key=key, req=CheckoutRequest(lines=[CartLine(s, q) for s, q in lines])
    )
    return list(Order.objects.unscoped(reason="test").filter(checkout=checkout).order_by("pk"))


def _expected(coupon_batch: dict[int, int]) -> dict[tuple[str, int], dict]:
    """The figures recomputed straight from the order rows."""
    out: dict[tuple[str, int], dict] = defaultdict(lambda: {"orders": set(), "buyers": set(), "discount": 0})
    for line in OrderLine.objects.unscoped(reason="test").select_related("order"):
        if line.order.paid_at is None:
            continue
        for key, fen in line.shares.items():
            kind, pk = (
                ("promotion", int(key[1:])) if key[0] == "P" else ("coupon_batch", coupon_batch[int(key[1:])])
            )
            tally = out[(kind, pk)]
            tally["orders"].add(line.order_id)
            tally["buyers"].add(line.order.buyer_id)
            tally["discount"] += fen
    return out


@pytest.mark.req("R1.4.2")
def test_campaign_report_reconciles_with_the_order_lines():
    m1, _ = make_merchant()
    m2, _ = make_merchant()
    make_stock(m1, sku="CR-A", price_fen=12000)
    make_stock(m1, sku="CR-B", price_fen=4500)
    make_stock(m2, sku="CR-C", price_fen=26000)
    store = make_promotion(m1, name="满100减20", tiers=[{"min": 10000, "off": 2000}], status="live")
    platform = make_promotion(
        None,
        name="跨店每满300减50",
        tiers=[{"min": 30000, "off": 5000}],
        repeat=True,
        cap_fen=20000,
        status="live",
    )
    batch = make_batch(None, name="平台满200减25", min_fen=20000, off_fen=2500)
    buyers = [make_buyer(f"cr-b{i}") for i in range(4)]
    coupons = {b.pk: _hold(batch, b) for b in buyers[:2]}

    first = _checkout(buyers[0], [("CR-A", 2), ("CR-C", 1)], "k0")  # store, platform and coupon
    second = _checkout(buyers[1], [("CR-A", 1), ("CR-B", 3)], "k1")  # store and coupon
    third = _checkout(buyers[2], [("CR-A", 3)], "k2")  # store and platform; refunded later
    unpaid = _checkout(buyers[3], [("CR-A", 1)], "k3")  # never paid: not in the report
    again = _checkout(buyers[0], [("CR-B", 3)], "k4")  # the same buyer again: store only
    for order in first + second + third + again:
        order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order_transition(actor=None, order_id=third[0].pk, event=Event.REQUEST_REFUND)
    order_transition(actor=None, order_id=third[0].pk, event=Event.REFUND)
    assert Coupon.objects.for_buyer(buyers[0].pk).get().status == "used"

    ops = ApiClient(token=token_for(make_staff("product_ops")))
    response = ops.get_json("/api/v1/campaign-report")
    assert response.status_code == 200, response.content
    report = json.loads(response.content)
    by_key = {(c["type"], c["id"]): c for c in report["campaigns"]}
    assert set(by_key) == {("promotion", store.pk), ("promotion", platform.pk), ("coupon_batch", batch.pk)}

    expected = _expected({c.pk: batch.pk for c in coupons.values()})
    orders = {o.pk: o for o in Order.objects.unscoped(reason="test")}
    for key, tally in expected.items():
        row = by_key[key]
        gmv = sum(orders[o].paid_fen - orders[o].refunded_fen for o in tally["orders"])
        assert (row["orders"], row["buyers"], row["discount_fen"], row["gmv_fen"]) == (
            len(tally["orders"]),
            len(tally["buyers"]),
            tally["discount"],
            gmv,
        )
        assert row["roi"] == round((gmv - tally["discount"]) / tally["discount"], 4)
    # the store promotion ran on 4 paid orders of 3 buyers; the refunded order adds nothing to GMV
    store_row = by_key[("promotion", store.pk)]
    assert store_row["orders"] == 4 and store_row["buyers"] == 3
    assert store_row["refunded_fen"] == third[0].paid_fen > 0
    assert unpaid[0].pk not in expected[("promotion", store.pk)]["orders"]
    assert by_key[("coupon_batch", batch.pk)]["buyers"] == 2
    totals = report["totals"]
    assert totals["discount_fen"] == sum(t["discount"] for t in expected.values())
    paid_orders = {o for t in expected.values() for o in t["orders"]}
    assert totals["gmv_fen"] == sum(orders[o].paid_fen - orders[o].refunded_fen for o in paid_orders)
    assert store_row["name"] == "满100减20" and store_row["merchant_id"] == m1.pk

    # a date window outside the payments is empty; a reversed one is a 422; buyers cannot read it
    tomorrow = timezone.localdate().toordinal() + 1
    day = timezone.localdate().fromordinal(tomorrow).isoformat()
    assert json.loads(ops.get_json(f"/api/v1/campaign-report?start={day}").content)["campaigns"] == []
    today = timezone.localdate().isoformat()
    assert ops.get_json(f"/api/v1/campaign-report?start={day}&end={today}").status_code == 422
    assert ApiClient(token=token_for(buyers[0])).get_json("/api/v1/campaign-report").status_code == 403

    # the console page shows the same figures and a chart
    console = Client()
    console.force_login(make_staff("product_ops"))
    page = console.get("/promotions/campaigns/")
    assert page.status_code == 200
    html = page.content.decode()
    # money reads in 元 on the page (issue 14)
    assert "<svg" in html and "满100减20" in html and format_fen(store_row["discount_fen"]) in html
    assert 'data-testid="campaigns-table"' in html and 'class="sort' in html  # the DataTable
    store_key = f'data-testid="campaign-promotion-{store_row["id"]}"'
    assert store_key in html
    batches_only = console.get("/promotions/campaigns/", {"type": "coupon_batch"}).content.decode()
    assert store_key not in batches_only
