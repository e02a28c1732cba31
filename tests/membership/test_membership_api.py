"""The membership API: tiers for operations (view, create, replace), a buyer's own membership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.membership.models import MemberNotice, Tier
from mallops.membership.services import member_recompute
from mallops.orders.models import Order, OrderStatus
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_order
from mallops.testing.pricing import make_buyer

pytestmark = pytest.mark.django_db

SILVER = {"code": "silver", "name": "白银会员", "rank": 1, "min_growth": 100, "discount_percent": 3}
GOLD = {"code": "gold", "name": "黄金会员", "rank": 2, "min_growth": 1000, "free_shipping": True}


def test_tiers_need_manage_to_write_and_view_to_read() -> None:
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    viewer = ApiClient(token=token_for(make_staff("user_ops")))

    created = ops.post_json("/api/v1/membership/tiers", SILVER)
    assert created.status_code == 201, created.content
    assert created.json()["benefits"] == {
        "discount_percent": 3,
        "free_shipping": False,
        "birthday_gift": "",
        "coupon_batch_id": None,
        "coupons_per_period": 0,
        "gift_points": 0,
        "gift_coupon_batch_id": None,
    }
    refused = viewer.post_json("/api/v1/membership/tiers", GOLD)
    assert refused.status_code == 403
    assert list(Tier.objects.values_list("code", flat=True)) == ["silver"]

    tier_id = created.json()["id"]
    replaced = ops.put(
        f"/api/v1/membership/tiers/{tier_id}",
        data={**SILVER, "name": "银卡会员", "birthday_gift": "生日礼盒"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {ops.token}"},
    )
    assert replaced.status_code == 200, replaced.content
    listed = viewer.get_json("/api/v1/membership/tiers").json()["items"]
    assert [(t["code"], t["name"], t["benefits"]["birthday_gift"]) for t in listed] == [
        ("silver", "银卡会员", "生日礼盒")
    ]

    # a threshold that does not rise with the rank, and an unknown batch, are field errors
    bad = ops.post_json("/api/v1/membership/tiers", {**GOLD, "min_growth": 50, "coupon_batch_id": 999})
    assert bad.status_code == 422
    assert sorted((e["loc"][-1], e["code"]) for e in bad.json()["errors"]) == [
        ("coupon_batch_id", "invalid"),
        ("min_growth", "threshold_order"),
    ]


@pytest.mark.req("R4.3.1")
def test_a_buyer_reads_own_tier_growth_next_threshold_and_benefits() -> None:
    ops = ApiClient(token=token_for(make_staff("product_ops")))
    for body in (SILVER, GOLD):
        assert ops.post_json("/api/v1/membership/tiers", body).status_code == 201
    merchant, _ = make_merchant()
    buyer = make_buyer("member-api")
    now = timezone.now()
    order = make_order(merchant, buyer=buyer)
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(
        status=OrderStatus.PAID, paid_fen=25_000, paid_at=now - timedelta(days=2)
    )
    member_recompute(buyer_id=buyer.pk, now=now)  # growth 250 + 10 = 260: silver
    # the notice is written in the platform's language
    assert list(MemberNotice.objects.filter(buyer=buyer).values_list("title", flat=True)) == [
        "您已成为白银会员"
    ]

    mine = ApiClient(token=token_for(buyer)).get_json("/api/v1/membership/me")
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert (body["tier"]["code"], body["growth"], body["next_tier"]["code"], body["growth_to_next"]) == (
        "silver",
        260,
        "gold",
        740,
    )
    assert body["benefits"]["discount_percent"] == 3
    assert body["downgrade_pending"] is False

    # a member day for the tier: launched through the promotion services; a viewer may not create one
    tier_id = Tier.objects.get(code="silver").pk
    body = {"tier_id": tier_id, "day": timezone.localdate().isoformat(), "min_fen": 20_000, "off_fen": 2_000}
    day = ops.post_json("/api/v1/membership/member-days", body)
    assert day.status_code == 201, day.content
    assert (day.json()["name"], day.json()["status"], day.json()["members_only"]) == (
        "白银会员日",
        "live",
        True,
    )
    viewer = ApiClient(token=token_for(make_staff("user_ops")))
    assert viewer.post_json("/api/v1/membership/member-days", body).status_code == 403

    staff_view = ops.get_json("/api/v1/membership/me")
    assert (staff_view.status_code, staff_view.json()["code"]) == (403, "buyer_only")
