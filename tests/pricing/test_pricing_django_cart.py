"""The live cart quote equals the pure engine on the same scenario; coupons hold under concurrency."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mallops.core.errors import DomainError
from mallops.pricing.coupons import coupon_claim, coupon_redeem
from mallops.pricing.engine import parse_scenario, quote, quote_to_json
from mallops.pricing.models import Coupon, CouponBatch, Promotion, PromotionUse
from mallops.pricing.services import promotion_redeem
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.pricing import catalogue_sku, make_batch, make_buyer, make_promotion


def _issue(batch: CouponBatch, buyer) -> Coupon:
    now = timezone.now()
    batch.issued_count += 1
    batch.save(update_fields=["issued_count"])
    coupon: Coupon = Coupon.objects.create(
        batch=batch,
        merchant_id=batch.merchant_id,
        buyer=buyer,
        claimed_at=now,
        valid_from=batch.starts_at,
        expires_at=batch.ends_at,
        expires_due_at=batch.ends_at,
    )
    return coupon


@pytest.mark.django_db
@pytest.mark.req("R2.3.5")
def test_live_quote_from_the_database_equals_the_pure_engine():
    m1, _ = make_merchant()
    m2, _ = make_merchant()
    now = timezone.now()
    item = make_promotion(
        m1, name="A1 85折", kind="percent_off", layer="item", percent=15, tiers=[], skus=["A1"], status="live"
    )
    store = make_promotion(
        m1,
        name="满100减20/满200减50",
        tiers=[{"min": 10000, "off": 2000}, {"min": 20000, "off": 5000}],
        status="live",
    )
    other_store = make_promotion(m2, name="m2 满50减10", tiers=[{"min": 5000, "off": 1000}], status="live")
    platform = make_promotion(
        None,
        name="跨店每满300减50",
        tiers=[{"min": 30000, "off": 5000}],
        repeat=True,
        cap_fen=10000,
        status="live",
    )
    # not in the quote: a draft, an ended window, a platform promotion for other merchants only
    make_promotion(m1, name="草稿", tiers=[{"min": 100, "off": 99}])
    make_promotion(
        m1, name="已过期", status="live", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1)
    )
    make_promotion(None, name="别的店", status="live", merchants=[m2.pk + 100])
    buyer = make_buyer("buyer-cart")
    store_coupon = _issue(make_batch(m1, name="满199减30", min_fen=19900, off_fen=3000), buyer)
    platform_coupon = _issue(
        make_batch(None, name="平台9折券", min_fen=0, off_fen=None, percent=10, max_off_fen=2000), buyer
    )
    used = _issue(make_batch(None, name="已用", min_fen=0, off_fen=9999), buyer)
    Coupon.objects.for_buyer(buyer.pk).filter(pk=used.pk).update(status="used")
    _issue(make_batch(None, name="别人的券", min_fen=0, off_fen=8888), make_buyer("buyer-other"))

    catalogue_sku(m1, "A1", 12900)
    catalogue_sku(m2, "B7", 4500)
    lines = [
        {"id": "L1", "sku": "A1", "merchant_id": m1.pk, "qty": 2},
        {"id": "L2", "sku": "B7", "merchant_id": m2.pk, "qty": 3},
    ]
    response = ApiClient(token=token_for(buyer)).post_json("/api/v1/buyer/cart/quote", {"lines": lines})
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    labels = body.pop("labels")
    assert body.pop("prices") == {"L1": "catalogue", "L2": "catalogue"}

    k1, k2 = f"{m1.pk}:A1", f"{m2.pk}:B7"
    scenario = {
        "at": now.isoformat(),
        "lines": [
            {"id": "L1", "sku": k1, "merchant": str(m1.pk), "unit_price": 12900, "qty": 2},
            {"id": "L2", "sku": k2, "merchant": str(m2.pk), "unit_price": 4500, "qty": 3},
        ],
        "promotions": [
            {"id": f"P{item.pk}", "kind": "percent_off", "merchant": str(m1.pk), "skus": [k1], "percent": 15},
            {"id": f"P{store.pk}", "kind": "threshold", "layer": "store", "merchant": str(m1.pk),
             "tiers": [{"min": 10000, "off": 2000}, {"min": 20000, "off": 5000}]},
            {"id": f"P{other_store.pk}", "kind": "threshold", "layer": "store", "merchant": str(m2.pk),
             "tiers": [{"min": 5000, "off": 1000}]},
            {"id": f"P{platform.pk}", "kind": "threshold", "layer": "platform", "repeat": True, "cap": 10000,
             "tiers": [{"min": 30000, "off": 5000}]},
        ],
        "coupons": [
            {"id": f"C{store_coupon.pk}", "layer": "store", "merchant": str(m1.pk), "min": 19900, "off": 3000},
            {"id": f"C{platform_coupon.pk}", "layer": "platform", "min": 0, "percent": 10, "max_off": 2000},
        ],
    }  # fmt: skip
    expected = quote_to_json(quote(parse_scenario(scenario)))
    assert body == expected
    assert body["discount"] > 0 and sum(ln["paid"] for ln in body["lines"]) == body["total"]
    assert set(labels) == {f"P{p.pk}" for p in (item, store, other_store, platform)} | {
        f"C{store_coupon.pk}",
        f"C{platform_coupon.pk}",
    }
    assert labels[f"P{platform.pk}"]["name"] == "跨店每满300减50"
    # choosing coupons narrows them; a malformed cart is a 422 with the path
    only_store = ApiClient(token=token_for(buyer)).post_json(
        "/api/v1/buyer/cart/quote", {"lines": lines, "coupon_ids": [store_coupon.pk]}
    )
    assert f"C{platform_coupon.pk}" not in json.loads(only_store.content)["labels"]
    bad = ApiClient(token=token_for(buyer)).post_json(
        "/api/v1/buyer/cart/quote", {"lines": [{**lines[0], "qty": 0}]}
    )
    assert bad.status_code == 422 and json.loads(bad.content)["errors"][0]["loc"] == [
        "body",
        "lines",
        0,
        "qty",
    ]


def _race(n: int, work) -> list[object]:
    """Run ``work(i)`` in ``n`` threads released together; each returns a result or the exception."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _codes(results: list[object]) -> list[str]:
    return sorted(r.code for r in results if isinstance(r, DomainError))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.req("R2.3.1")
@pytest.mark.req("R2.3.5")
def test_no_double_spend_under_real_concurrency():
    merchant, _ = make_merchant()
    buyer = make_buyer("buyer-race")
    # one coupon, eight orders at once: exactly one uses it
    coupon = _issue(make_batch(merchant), buyer)
    results = _race(8, lambda i: coupon_redeem(buyer_id=buyer.pk, coupon_id=coupon.pk, order_ref=f"O{i}"))
    assert sum(isinstance(r, Coupon) for r in results) == 1
    assert _codes(results) == ["coupon_unavailable"] * 7
    assert Coupon.objects.for_buyer(buyer.pk).get(pk=coupon.pk).status == "used"
    # a batch of 5 claimed by 10 buyers at once: exactly 5 coupons, issued_count 5
    batch = make_batch(None, claim_code="RACE5", total_quantity=5)
    buyers = [make_buyer(f"buyer-r{i}") for i in range(10)]
    results = _race(10, lambda i: coupon_claim(buyer=buyers[i], code="RACE5"))
    assert sum(isinstance(r, Coupon) for r in results) == 5
    assert _codes(results) == ["coupon_batch_exhausted"] * 5
    batch.refresh_from_db()
    assert batch.issued_count == 5
    assert Coupon.objects.unscoped(reason="test").filter(batch=batch).count() == 5
    # one buyer claiming one-per-buyer coupons eight times at once gets one
    single = make_batch(None, claim_code="ONEEACH", total_quantity=100)
    results = _race(8, lambda i: coupon_claim(buyer=buyer, code="ONEEACH"))
    assert sum(isinstance(r, Coupon) for r in results) == 1
    assert _codes(results) == ["coupon_limit_reached"] * 7
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=single).count() == 1
    # a promotion limited to 3 uses and one per buyer, redeemed by 6 orders of 5 buyers at once
    promo = make_promotion(merchant, status="live", total_limit=3, per_buyer_limit=1)
    racers = [buyers[0], buyers[0], buyers[1], buyers[2], buyers[3], buyers[4]]
    results = _race(
        6,
        lambda i: promotion_redeem(
            promotion_id=promo.pk, buyer_id=racers[i].pk, order_ref=f"R{i}", discount_fen=2000
        ),
    )
    assert sum(isinstance(r, PromotionUse) for r in results) == 3
    uses = PromotionUse.objects.unscoped(reason="test").filter(promotion=promo)
    assert uses.count() == 3 and len({u.buyer_id for u in uses}) == 3
    promo = Promotion.objects.unscoped(reason="test").get(pk=promo.pk)
    assert (promo.used_count, promo.spent_fen, promo.status) == (3, 6000, "ended")


@pytest.mark.django_db
@pytest.mark.req("R2.3.1")
def test_redeem_respects_budget_and_status():
    merchant, _ = make_merchant()
    buyer = make_buyer("buyer-budget")
    promo = make_promotion(merchant, status="live", budget_fen=3000)
    promotion_redeem(promotion_id=promo.pk, buyer_id=buyer.pk, order_ref="O1", discount_fen=2000)
    with pytest.raises(DomainError) as exc:
        promotion_redeem(promotion_id=promo.pk, buyer_id=buyer.pk, order_ref="O2", discount_fen=2000)
    assert exc.value.code == "promotion_exhausted"
    promotion_redeem(promotion_id=promo.pk, buyer_id=buyer.pk, order_ref="O3", discount_fen=1000)
    draft = make_promotion(merchant)
    with pytest.raises(DomainError) as exc:
        promotion_redeem(promotion_id=draft.pk, buyer_id=buyer.pk, order_ref="O4", discount_fen=1)
    assert exc.value.code == "promotion_not_live"
    coupon = _issue(make_batch(merchant), buyer)
    coupon_redeem(buyer_id=buyer.pk, coupon_id=coupon.pk, order_ref="O5")
    with pytest.raises(DomainError) as exc:
        coupon_redeem(buyer_id=buyer.pk, coupon_id=coupon.pk, order_ref="O6")
    assert exc.value.code == "coupon_unavailable"
    with pytest.raises(DomainError) as exc:
        coupon_redeem(buyer_id=make_buyer("buyer-thief").pk, coupon_id=coupon.pk, order_ref="O7")
    assert exc.value.status == 404
