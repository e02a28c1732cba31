"""Console pages: promotion list with findings, launch refused with findings, coupon batches, chart."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from mallops.dsr.testing import grant_consent
from mallops.pricing.models import Coupon, Promotion, PromotionUse
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.pricing import make_batch, make_buyer, make_promotion

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("R2.3.2")
@pytest.mark.req("R1.4.1")
def test_staff_see_findings_and_a_blocked_launch_is_refused():
    merchant, _owner = make_merchant(name="鲜果时光")
    make_promotion(merchant, name="店铺满减", status="live")
    blocked = make_promotion(None, name="跨店满减(无规则)", rules_text="")
    ops = _client(make_staff("product_ops"))
    page = ops.get("/promotions/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "跨店满减(无规则)" in html and "鲜果时光" in html and "店铺满减" in html
    assert 'data-testid="blocked"' in html and "规范促销行为暂行规定第七条" in html
    response = ops.post(f"/promotions/{blocked.pk}/launch", follow=True)
    assert "Launch refused" in response.content.decode() or "拒绝" in response.content.decode()
    assert Promotion.objects.unscoped(reason="test").get(pk=blocked.pk).status == "draft"
    # a platform draft with generated rules launches from the detail page
    from mallops.pricing.adapters import promotion_facts
    from mallops.pricing.rulestext import generate

    fine = make_promotion(None, name="跨店每满300减50", tiers=[{"min": 30000, "off": 5000}], repeat=True)
    fine.rules_text = generate(promotion_facts(fine)).text
    fine.save()
    detail = ops.get(f"/promotions/{fine.pk}/").content.decode()
    assert "每满300元减50元" in detail and 'data-testid="launch"' in detail
    ops.post(f"/promotions/{fine.pk}/launch")
    assert Promotion.objects.unscoped(reason="test").get(pk=fine.pk).status == "live"


def test_merchants_see_only_their_own_promotions_and_others_are_forbidden():
    a, owner_a = make_merchant()
    b, _ = make_merchant()
    mine = make_promotion(a, name="A的活动")
    theirs = make_promotion(b, name="B的活动")
    client = _client(owner_a)
    html = client.get("/promotions/").content.decode()
    assert "A的活动" in html and "B的活动" not in html
    assert client.get(f"/promotions/{theirs.pk}/").status_code == 404
    assert client.post(f"/promotions/{theirs.pk}/launch").status_code == 404
    assert client.get(f"/promotions/{mine.pk}/").status_code == 200
    assert client.get("/promotions/coupon-batches/").status_code == 403
    assert _client(make_staff("cs_agent")).get("/promotions/").status_code == 403
    # staff who may only view cannot launch a platform promotion
    platform = make_promotion(None)
    assert _client(make_staff("user_ops")).post(f"/promotions/{platform.pk}/launch").status_code == 403


def test_participation_chart_and_platform_coupon_batch_page():
    merchant, owner = make_merchant()
    promo = make_promotion(merchant, status="live")
    buyer = make_buyer("buyer-console")
    PromotionUse.objects.create(
        promotion=promo,
        merchant=merchant,
        buyer=buyer,
        order_ref="O1",
        discount_fen=2000,
        used_at=timezone.now(),
    )
    detail = _client(owner).get(f"/promotions/{promo.pk}/").content.decode()
    assert 'data-testid="participation-chart"' in detail and "<svg" in detail
    batch = make_batch(None, name="平台红包", min_fen=0, off_fen=500, style="red_packet", claim_code="HB1")
    ops = _client(make_staff("product_ops"))
    page = ops.get("/promotions/coupon-batches/").content.decode()
    assert "平台红包" in page and "HB1" in page and "<svg" in page
    assert 'data-testid="batches-table"' in page and 'class="sort' in page  # the DataTable
    assert "红包" in page and "¥5.00" in page and ">red_packet<" not in page
    cancelled = ops.get("/promotions/coupon-batches/", {"status": "cancelled"}).content.decode()
    assert f'data-testid="batch-{batch.pk}"' in page and f'data-testid="batch-{batch.pk}"' not in cancelled
    grant_consent([buyer])
    silent = make_buyer("buyer-silent")  # no marketing consent: skipped and reported
    done = ops.post(
        "/promotions/coupon-batches/",
        {"batch": batch.pk, "buyers": "buyer-console\nnobody\nbuyer-silent"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "已发放 1 张，拒绝 2 个。" in done
    assert "已跳过 1 位未同意（或已撤回）营销信息推送的买家。" in done
    assert Coupon.objects.for_buyer(buyer.pk).filter(batch=batch).count() == 1
    assert not Coupon.objects.for_buyer(silent.pk).exists()
    viewer = _client(make_staff("user_ops"))
    assert viewer.get("/promotions/coupon-batches/").status_code == 200
    assert viewer.post("/promotions/coupon-batches/", {"batch": batch.pk, "buyers": "x"}).status_code == 403
