"""Coupon batches issued to an RFM segment, and memberships that unlock members-only prices."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.models import User
from mallops.analytics.models import SegmentMember
from mallops.audit.models import AuditEvent
from mallops.dsr.testing import grant_consent
from mallops.orders.models import Order
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.pricing.models import Coupon, Membership
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_order, make_stock
from mallops.testing.pricing import catalogue_sku, make_batch, make_buyer, make_promotion

pytestmark = pytest.mark.django_db


def _body(response) -> dict:
    return json.loads(response.content)


def _tag(tag: str, *usernames: str) -> None:
    today = timezone.localdate()
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
            computed_on=today,
            source="events",
        )


@pytest.mark.req("R2.3.1")
def test_platform_batch_issued_to_a_segment_once_per_buyer_within_its_quantity():
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    buyers = [make_buyer(f"seg-b{i}") for i in range(4)]
    _tag("high_value", *(b.username for b in buyers), "gone-user")
    _tag("churned", "seg-other")
    make_buyer("seg-other")
    batch = make_batch(None, name="高价值专享", min_fen=0, off_fen=1000, total_quantity=3)
    # one buyer already claimed a coupon of the batch: not issued again
    Coupon.objects.create(
        batch=batch,
        buyer=buyers[0],
        claimed_at=timezone.now(),
        valid_from=batch.starts_at,
        expires_at=batch.ends_at,
    )
    batch.issued_count = 1
    batch.save(update_fields=["issued_count"])

    sizes = _body(ops.get_json("/api/v1/segments"))
    assert sizes["high_value"] == 5 and sizes["churned"] == 1 and sizes["regular"] == 0

    url = f"/api/v1/coupon-batches/{batch.pk}/issue-segment"
    first = ops.post_json(url, {"segment": "high_value"})
    assert first.status_code == 200, first.content
    body = _body(first)
    # 4 buyers (the unknown username is no buyer); 1 already held one; 2 left of 3; the last refused
    assert body["members"] == 4 and body["already"] == 1
    assert len(body["issued"]) == 2 and body["refused"] == {"coupon_batch_exhausted": 1}
    batch.refresh_from_db()
    assert batch.issued_count == 3
    holders = Coupon.objects.unscoped(reason="test").filter(batch=batch)
    assert sorted(holders.values_list("buyer__username", flat=True)) == ["seg-b0", "seg-b1", "seg-b2"]

    # run again with more room: only the buyer without a coupon gets one, nobody gets a second
    batch.total_quantity = 10
    batch.save(update_fields=["total_quantity"])
    again = _body(ops.post_json(url, {"segment": "high_value"}))
    assert again["already"] == 3 and len(again["issued"]) == 1 and again["refused"] == {}
    third = _body(ops.post_json(url, {"segment": "high_value"}))
    assert third["already"] == 4 and third["issued"] == []
    assert holders.count() == 4 and holders.values("buyer").distinct().count() == 4
    events = AuditEvent.objects.filter(action="pricing.coupons_issue_segment", object_id=str(batch.pk))
    assert events.count() == 3 and events.order_by("seq").first().after["issued"] == 2

    bad = ops.post_json(url, {"segment": "vip"})
    assert bad.status_code == 422 and _body(bad)["errors"][0]["loc"] == ["body", "segment"]
    # a role without promotion.manage cannot issue
    viewer = ApiClient(token=token_for(make_staff("cs_agent")))
    assert viewer.post_json(url, {"segment": "high_value"}).status_code == 403


@pytest.mark.req("R2.3.1")
def test_store_batch_reaches_only_the_segment_buyers_who_bought_from_the_store():
    m1, owner1 = make_merchant()
    m2, owner2 = make_merchant()
    customer, stranger = make_buyer("seg-customer"), make_buyer("seg-stranger")
    _tag("potential", customer.username, stranger.username)
    order = make_order(m1, buyer=customer)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    make_order(m2, buyer=stranger)  # an order elsewhere (and unpaid) does not make a customer of m1
    batch = make_batch(m1, name="回头客券")
    url = f"/api/v1/merchant/coupon-batches/{batch.pk}/issue-segment"
    result = ApiClient(token=token_for(owner1)).post_json(url, {"segment": "potential"})
    assert result.status_code == 200, result.content
    assert _body(result)["members"] == 1 and len(_body(result)["issued"]) == 1
    coupon = Coupon.objects.for_buyer(customer.pk).get(batch=batch)
    assert coupon.merchant_id == m1.pk
    assert not Coupon.objects.for_buyer(stranger.pk).exists()
    # another store cannot issue m1's batch, nor can the platform endpoint reach a store batch
    other = ApiClient(token=token_for(owner2)).post_json(url, {"segment": "potential"})
    assert other.status_code == 404
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    assert (
        ops.post_json(
            f"/api/v1/coupon-batches/{batch.pk}/issue-segment", {"segment": "potential"}
        ).status_code
        == 404
    )


def _quote(buyer, lines) -> dict:
    response = ApiClient(token=token_for(buyer)).post_json("/api/v1/buyer/cart/quote", {"lines": lines})
    assert response.status_code == 200, response.content
    return _body(response)


@pytest.mark.req("R2.3.1")
def test_members_only_prices_apply_to_members_of_their_organiser():
    m1, owner1 = make_merchant()
    _m2, owner2 = make_merchant()
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    store_member, platform_member, nobody = make_buyer("mem-s"), make_buyer("mem-p"), make_buyer("mem-n")
    store_price = make_promotion(
        m1, name="会员价9折", kind="percent_off", layer="item", percent=10, tiers=[], members_only=True,
        status="live",
    )  # fmt: skip
    platform_coupon = make_batch(None, name="会员红包", min_fen=0, off_fen=500, members_only=True)
    for buyer in (store_member, platform_member, nobody):
        Coupon.objects.create(
            batch=platform_coupon,
            buyer=buyer,
            claimed_at=timezone.now(),
            valid_from=platform_coupon.starts_at,
            expires_at=platform_coupon.ends_at,
        )
    granted = ApiClient(token=token_for(owner1)).post_json(
        "/api/v1/merchant/memberships", {"buyer": "mem-s", "level": "gold"}
    )
    assert granted.status_code == 201, granted.content
    assert _body(granted)["merchant_id"] == m1.pk and _body(granted)["level"] == "gold"
    response = ops.post_json("/api/v1/memberships", {"buyer": "mem-p", "level": "88vip"})
    assert response.status_code == 201 and _body(response)["merchant_id"] is None
    again = ops.post_json("/api/v1/memberships", {"buyer": "mem-p", "level": "plus"})
    assert again.status_code == 200 and _body(again)["id"] == _body(response)["id"]
    assert Membership.objects.for_buyer(platform_member.pk).get().level == "plus"
    assert ops.post_json("/api/v1/memberships", {"buyer": "nobody-here", "level": "x"}).status_code == 422
    assert AuditEvent.objects.filter(action="pricing.membership_grant").count() == 3

    catalogue_sku(m1, "A1", 10000)
    lines = [{"id": "L1", "sku": "A1", "merchant_id": m1.pk, "qty": 1}]
    member_quote = _quote(store_member, lines)
    assert [a["id"] for a in member_quote["applied"]] == [f"P{store_price.pk}"]  # store price only
    assert member_quote["total"] == 9000 and member_quote["labels"][f"P{store_price.pk}"]["members_only"]
    platform_quote = _quote(platform_member, lines)
    assert [a["id"] for a in platform_quote["applied"]] == [
        f"C{Coupon.objects.for_buyer(platform_member.pk).get().pk}"
    ]
    assert platform_quote["total"] == 9500
    assert _quote(nobody, lines)["total"] == 10000

    # a membership of another store, a future one and a revoked one do not count
    ApiClient(token=token_for(owner2)).post_json(
        "/api/v1/merchant/memberships", {"buyer": "mem-n", "level": "v"}
    )
    assert _quote(nobody, lines)["total"] == 10000
    membership_id = _body(granted)["id"]
    other_revoke = ApiClient(token=token_for(owner2)).post_json(
        f"/api/v1/merchant/memberships/{membership_id}/revoke", {}
    )
    assert other_revoke.status_code == 404
    revoked = ApiClient(token=token_for(owner1)).post_json(
        f"/api/v1/merchant/memberships/{membership_id}/revoke", {}
    )
    assert revoked.status_code == 200 and _body(revoked)["status"] == "revoked"
    assert _quote(store_member, lines)["total"] == 10000
    later = (timezone.now() + timedelta(days=2)).isoformat()
    ApiClient(token=token_for(owner1)).post_json(
        "/api/v1/merchant/memberships", {"buyer": "mem-s", "level": "gold", "valid_from": later}
    )
    assert _quote(store_member, lines)["total"] == 10000


@pytest.mark.req("R2.3.1")
def test_checkout_charges_the_member_price():
    merchant, owner = make_merchant()
    item = make_stock(merchant, price_fen=20000)
    make_promotion(
        merchant, name="会员立减", kind="amount_off", layer="item", amount_fen=3000, tiers=[], members_only=True,
        skus=[item.sku_code], status="live",
    )  # fmt: skip
    member, other = make_buyer("ck-member"), make_buyer("ck-other")
    ApiClient(token=token_for(owner)).post_json(
        "/api/v1/merchant/memberships", {"buyer": member.username, "level": "gold"}
    )
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create

    for buyer, expected in ((member, 17000), (other, 20000)):
        checkout, _ = checkout_create(
            actor=buyer,
            idempotency_key=f"m-{buyer.pk}",
            req=CheckoutRequest(lines=[CartLine(item.sku_code, 1)]),
        )
        order = Order.objects.for_merchant(merchant.pk).get(checkout=checkout)
        assert order.paid_fen == expected


@pytest.mark.req("R2.3.1")
def test_console_issues_to_a_segment_and_grants_memberships():
    from django.test import Client

    staff = make_staff("product_ops")
    console = Client()
    console.force_login(staff)
    make_buyer("con-b1")
    _tag("at_risk", "con-b1")
    batch = make_batch(None, name="挽回券", min_fen=0, off_fen=800)
    page = console.get("/promotions/coupon-batches/")
    html = page.content.decode()  # the option names the segment, its value stays the code
    assert page.status_code == 200 and '<option value="at_risk">流失风险 (1)</option>' in html
    for _ in range(2):
        done = console.post(
            "/promotions/coupon-batches/issue-segment", {"batch": batch.pk, "segment": "at_risk"}
        )
        assert done.status_code == 302
    assert Coupon.objects.unscoped(reason="test").filter(batch=batch).count() == 1

    merchant, owner = make_merchant()
    store = Client()
    store.force_login(owner)
    granted = store.post(
        "/promotions/memberships/", {"buyer": "con-b1", "level": "silver", "valid_to": "2099-12-31"}
    )
    assert granted.status_code == 302
    row = Membership.objects.for_merchant(merchant.pk).get()
    assert row.level == "silver" and row.valid_to is not None and row.valid_to.year in (2099, 2100)
    assert 'href="/promotions/memberships/"' in store.get("/promotions/").content.decode()
    listing = store.get("/promotions/memberships/").content.decode()
    assert "con-b1" in listing and "silver" in listing
    assert store.post(f"/promotions/memberships/{row.pk}/revoke").status_code == 302
    row.refresh_from_db()
    assert row.status == "revoked"
    # the platform's page does not list the store's memberships; a cs agent cannot grant
    assert "con-b1" not in console.get("/promotions/memberships/").content.decode()
    agent = Client()
    agent.force_login(make_staff("cs_agent"))
    assert agent.post("/promotions/memberships/", {"buyer": "con-b1", "level": "x"}).status_code == 403
