"""The merchant centre's campaign report (its own campaigns, the platform's on its own orders only), the
store coupons page issuing a batch to a segment, and the console menu entries of both sides."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.models import User
from mallops.analytics.models import SegmentMember
from mallops.dsr.testing import grant_consent
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, OrderLine
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.pricing.models import Coupon
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_order, make_stock
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


def _pay(buyer, lines, key) -> list[Order]:
    checkout, _ = checkout_create(
        actor=buyer, idempotency_key=key, req=CheckoutRequest(lines=[CartLine(s, q) for s, q in lines])
    )
    orders = list(Order.objects.unscoped(reason="test").filter(checkout=checkout).order_by("pk"))
    for order in orders:
        order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    return orders


def _shares_on(merchant_id: int, batch_of: dict[int, int]) -> dict[tuple[str, int], dict]:
    """Per campaign, the figures recomputed from the paid order lines of one store."""
    out: dict[tuple[str, int], dict] = defaultdict(lambda: {"orders": set(), "discount": 0})
    for line in OrderLine.objects.for_merchant(merchant_id).select_related("order"):
        if line.order.paid_at is None:
            continue
        for key, fen in line.shares.items():
            kind, pk = (
                ("promotion", int(key[1:])) if key[0] == "P" else ("coupon_batch", batch_of[int(key[1:])])
            )
            out[(kind, pk)]["orders"].add(line.order_id)
            out[(kind, pk)]["discount"] += fen
    return out


def _body(response) -> dict:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@pytest.mark.req("R1.4.2")
def test_merchant_report_shows_own_campaigns_and_platform_offers_on_own_lines_only():
    m1, owner1 = make_merchant()
    m2, owner2 = make_merchant()
    make_stock(m1, sku="MC-A", price_fen=12000)
    make_stock(m2, sku="MC-C", price_fen=26000)
    own = make_promotion(m1, name="一店满100减20", tiers=[{"min": 10000, "off": 2000}], status="live")
    rival = make_promotion(m2, name="二店满100减30", tiers=[{"min": 10000, "off": 3000}], status="live")
    platform = make_promotion(
        None, name="跨店每满300减50", tiers=[{"min": 30000, "off": 5000}], repeat=True, status="live"
    )
    platform_batch = make_batch(None, name="平台满200减25", min_fen=20000, off_fen=2500)
    store_batch = make_batch(m1, name="一店满199减30")
    rival_batch = make_batch(m2, name="二店满199减30")
    buyers = [make_buyer(f"mc-b{i}") for i in range(3)]
    coupons = [_hold(platform_batch, buyers[0]), _hold(store_batch, buyers[0]), _hold(rival_batch, buyers[1])]
    batch_of = {c.pk: c.batch_id for c in coupons}

    mixed = _pay(buyers[0], [("MC-A", 2), ("MC-C", 1)], "mc0")  # both stores, platform offers on both
    rival_only = _pay(buyers[1], [("MC-C", 2)], "mc1")  # m2 only, with m2's coupon
    _pay(buyers[2], [("MC-A", 1)], "mc2")  # m1 only, store promotion
    assert Coupon.objects.for_buyer(buyers[1].pk).get().status == "used"

    report = _body(ApiClient(token=token_for(owner1)).get_json("/api/v1/merchant/campaign-report"))
    by_key = {(c["type"], c["id"]): c for c in report["items"]}
    expected = _shares_on(m1.pk, batch_of)
    assert set(by_key) == set(expected)
    assert ("promotion", own.pk) in by_key and ("promotion", platform.pk) in by_key
    # another store's promotion and batch never appear, not even by id
    assert ("promotion", rival.pk) not in by_key and ("coupon_batch", rival_batch.pk) not in by_key
    orders = {o.pk: o for o in Order.objects.for_merchant(m1.pk)}
    for key, tally in expected.items():
        row = by_key[key]
        gmv = sum(orders[o].paid_fen - orders[o].refunded_fen for o in tally["orders"])
        assert (row["orders"], row["discount_fen"], row["gmv_fen"]) == (
            len(tally["orders"]),
            tally["discount"],
            gmv,
        )
    # the platform promotion's figures are this store's part only: the platform report has both stores'
    ops = _body(ApiClient(token=token_for(make_staff("product_ops"))).get_json("/api/v1/campaign-report"))
    ops_platform = next(c for c in ops["campaigns"] if (c["type"], c["id"]) == ("promotion", platform.pk))
    m2_part = _shares_on(m2.pk, batch_of)[("promotion", platform.pk)]["discount"]
    assert m2_part > 0
    assert by_key[("promotion", platform.pk)]["discount_fen"] == ops_platform["discount_fen"] - m2_part
    assert by_key[("promotion", platform.pk)]["gmv_fen"] == orders[mixed[0].pk].paid_fen
    assert by_key[("promotion", platform.pk)]["merchant_id"] is None
    assert by_key[("promotion", own.pk)]["name"] == "一店满100减20"
    assert report["totals"]["gmv_fen"] == sum(o.paid_fen for o in orders.values())
    assert report["totals"]["discount_fen"] == sum(t["discount"] for t in expected.values())

    # the other store sees its own campaign and its own orders only
    other = _body(ApiClient(token=token_for(owner2)).get_json("/api/v1/merchant/campaign-report"))
    other_keys = {(c["type"], c["id"]) for c in other["items"]}
    assert ("promotion", rival.pk) in other_keys and ("coupon_batch", rival_batch.pk) in other_keys
    assert ("promotion", own.pk) not in other_keys and ("coupon_batch", store_batch.pk) not in other_keys
    m2_orders = {mixed[1].pk, rival_only[0].pk}
    assert other["totals"]["orders"] == len(m2_orders)

    # dates: a window after today is empty, a reversed one is a 422; staff and buyers are refused
    client = ApiClient(token=token_for(owner1))
    later = timezone.localdate().fromordinal(timezone.localdate().toordinal() + 1).isoformat()
    assert _body(client.get_json(f"/api/v1/merchant/campaign-report?start={later}"))["items"] == []
    today = timezone.localdate().isoformat()
    reversed_window = client.get_json(f"/api/v1/merchant/campaign-report?start={later}&end={today}")
    assert reversed_window.status_code == 422
    assert json.loads(reversed_window.content)["errors"][0]["loc"] == ["query", "end"]
    staff = ApiClient(token=token_for(make_staff("product_ops")))
    assert staff.get_json("/api/v1/merchant/campaign-report").status_code == 403
    assert (
        ApiClient(token=token_for(buyers[0])).get_json("/api/v1/merchant/campaign-report").status_code == 403
    )


@pytest.mark.req("R1.4.2")
def test_merchant_centre_report_page_and_menus():
    m1, owner1 = make_merchant()
    m2, _owner2 = make_merchant()
    make_stock(m1, sku="MP-A", price_fen=12000)
    make_stock(m2, sku="MP-B", price_fen=12000)
    make_promotion(m1, name="本店满100减20", tiers=[{"min": 10000, "off": 2000}], status="live")
    make_promotion(m2, name="别家满100减30", tiers=[{"min": 10000, "off": 3000}], status="live")
    _pay(make_buyer("mp-b0"), [("MP-A", 1), ("MP-B", 1)], "mp0")

    merchant = Client()
    merchant.force_login(owner1)
    page = merchant.get("/promotions/store-campaigns/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "本店满100减20" in html and "别家满100减30" not in html
    assert "活动效果报表" in html and "只统计本店自己的订单" in html
    # the merchant's menu has its own entries, not the platform's
    for key in ("store_campaigns", "store_coupons", "store_memberships", "store_promotions"):
        assert f'data-menu="{key}"' in html, key
    assert 'data-menu="campaigns"' not in html and 'data-menu="coupon_batches"' not in html
    assert "本店活动效果" in html and "本店优惠券" in html and "本店会员" in html
    assert merchant.get("/promotions/campaigns/").status_code == 403

    staff = Client()
    staff.force_login(make_staff("user_ops"))  # promotion.view without promotion.manage
    ops_page = staff.get("/promotions/campaigns/")
    assert ops_page.status_code == 200
    ops_html = ops_page.content.decode()
    assert 'data-menu="campaigns"' in ops_html and 'data-menu="memberships"' in ops_html
    assert 'data-menu="store_campaigns"' not in ops_html and 'data-menu="store_coupons"' not in ops_html
    assert "别家满100减30" in ops_html  # the platform sees every store's campaigns
    assert staff.get("/promotions/store-campaigns/").status_code == 403
    assert staff.get("/promotions/store-coupons/").status_code == 403
    # a role without promotion.view gets neither entry
    agent = Client()
    agent.force_login(make_staff("cs_agent"))
    agent_html = agent.get("/").content.decode()
    assert 'data-menu="campaigns"' not in agent_html and 'data-menu="memberships"' not in agent_html


def _tag(tag: str, *usernames: str) -> None:
    # segment campaigns reach only buyers with marketing consent (dsr)
    grant_consent(User.objects.filter(username__in=usernames), ["marketing"])
    for name in usernames:
        SegmentMember.objects.create(
            distinct_id=name,
            recency_days=1,
            frequency=5,
            monetary_fen=100000,
            r_score=5,
            f_score=5,
            m_score=5,
            tag=tag,
            computed_on=timezone.localdate(),
            source="events",
        )


@pytest.mark.req("R2.3.1")
def test_merchant_console_issues_a_store_batch_to_its_customers_in_a_segment():
    m1, owner1 = make_merchant()
    m2, owner2 = make_merchant()
    customers = [make_buyer(f"sc-c{i}") for i in range(2)]
    stranger = make_buyer("sc-stranger")
    _tag("at_risk", *(b.username for b in customers), stranger.username)
    for buyer in customers:
        order_transition(actor=None, order_id=make_order(m1, buyer=buyer).pk, event=Event.PAY)
    order_transition(actor=None, order_id=make_order(m2, buyer=stranger).pk, event=Event.PAY)
    batch = make_batch(m1, name="挽回券")
    rival_batch = make_batch(m2, name="别家券")

    merchant = Client()
    merchant.force_login(owner1)
    page = merchant.get("/promotions/store-coupons/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "挽回券" in html and "别家券" not in html and "按人群发券" in html
    assert 'data-testid="batches-table"' in html  # the DataTable
    assert f'data-testid="batch-{batch.pk}"' in html
    searched = merchant.get("/promotions/store-coupons/", {"q": "没有这张券"}).content.decode()
    assert f'data-testid="batch-{batch.pk}"' not in searched
    # the segment's reach among this store's customers, not the platform's 3 (named, never coded)
    assert "流失风险 (2)" in html and "at_risk (" not in html

    url = "/promotions/store-coupons/issue-segment"
    response = merchant.post(url, {"batch": batch.pk, "segment": "at_risk"}, follow=True)
    assert response.status_code == 200
    assert "人群 流失风险：已发放 2 张，已持有 0 人" in response.content.decode()
    held = Coupon.objects.for_merchant(m1.pk).filter(batch=batch)
    assert sorted(held.values_list("buyer__username", flat=True)) == ["sc-c0", "sc-c1"]
    # again: nobody gets a second coupon
    merchant.post("/promotions/store-coupons/issue-segment", {"batch": batch.pk, "segment": "at_risk"})
    assert held.count() == 2

    # another store's batch is refused (not found) and nothing is written; bad input writes nothing
    refused = merchant.post(
        "/promotions/store-coupons/issue-segment",
        {"batch": rival_batch.pk, "segment": "at_risk"},
        follow=True,
    )
    assert refused.status_code == 200 and "没有这个优惠券批次" in refused.content.decode()
    assert not Coupon.objects.for_merchant(m2.pk).exists()
    bad = {"batch": batch.pk, "segment": "vip"}
    assert "请选择列出的人群之一" in merchant.post(url, bad, follow=True).content.decode()
    bad = {"batch": "x", "segment": "at_risk"}
    assert "请选择优惠券批次" in merchant.post(url, bad, follow=True).content.decode()
    assert held.count() == 2

    # staff (even with promotion.manage) cannot use the store form; the other store cannot issue m1's batch
    staff = Client()
    staff.force_login(make_staff("product_ops"))
    # the platform's form counts the whole segment
    make_batch(None, name="平台挽回券")
    assert "流失风险 (3)" in staff.get("/promotions/coupon-batches/").content.decode()
    assert (
        staff.post(
            "/promotions/store-coupons/issue-segment", {"batch": batch.pk, "segment": "at_risk"}
        ).status_code
        == 403
    )
    other = Client()
    other.force_login(owner2)
    other.post("/promotions/store-coupons/issue-segment", {"batch": batch.pk, "segment": "at_risk"})
    assert held.count() == 2
