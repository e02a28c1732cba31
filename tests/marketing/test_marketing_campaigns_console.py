"""Strategy and campaign console pages in zh-hans: a strategy created and run, a campaign drafted with its
audience preview, approved by a second person, launched, and its results page with the chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.dsr.testing import grant_consent
from mallops.marketing import services
from mallops.marketing.models import BuyerTag, Campaign, CampaignDelivery, StrategyRun
from mallops.testing.factories import make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db

RAW = (
    "care_task",
    "retarget_list",
    "winback_coupon",
    "high_value",
    "draft",
    "approved",
    "running",
    "coupon:",
)


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S))


def test_strategy_and_campaign_pages() -> None:
    author, approver = make_staff("product_ops"), make_staff("product_ops")
    buyers = [make_buyer(f"console-mkt-{i}") for i in range(3)]
    grant_consent(buyers[:2], ["marketing"])
    BuyerTag.objects.bulk_create([BuyerTag(buyer=b, tag="学生") for b in buyers])
    channel = services.channel_create(
        actor=actor_of(author), code="wx", name="微信私域", kind="private_domain", utm_source="wx"
    )
    batch = make_batch(None, name="开学季满199减30")
    one, two = Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    one.force_login(author)
    two.force_login(approver)

    # a strategy: created on the list page, run from its page
    created = one.post(
        "/marketing/strategies/",
        {
            "name": "高价值关怀",
            "segment": "high_value",
            "action": "care_task",
            "holdout_percent": 10,
            "measure_days": 14,
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    strategy_url = created["Location"]
    ran = one.post(f"{strategy_url}run/")
    assert ran.status_code == 302 and StrategyRun.objects.count() == 1
    pages = [one.get(u).content.decode() for u in ("/marketing/strategies/", strategy_url, ran["Location"])]
    assert "分层运营策略" in pages[0] and "私域关怀任务" in pages[0] and "高价值" in pages[0]
    assert "执行记录" in pages[1] and "手动" in pages[1] and "暂无效果数据" not in pages[2]

    # a campaign: the preview counts the audience without the buyer who did not consent
    now = timezone.localtime()
    form = {
        "name": "开学季",
        "segment": "",
        "tier_code": "",
        "tags": "学生",
        "offer": f"coupon:{batch.pk}",
        "message": "开学季专享满199减30",
        "channel": channel.pk,
        "starts_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "holdout_percent": 0,
        "message_cost": "0.05",
    }
    preview = one.post("/marketing/campaigns/new/", {**form, "preview": "1"}).content.decode()
    assert "当前受众：2 位买家" in preview and "已排除未同意营销推送的 1 位" in preview
    saved = one.post("/marketing/campaigns/new/", form)
    assert saved.status_code == 302, visible(saved.content.decode())[-1500:]
    campaign = Campaign.objects.get()
    assert campaign.message_cost_fen == 5
    url = saved["Location"]
    # the author cannot approve; the second person can, then launches
    one.post(url, {"step": "approve"})
    assert Campaign.objects.get().status == "draft"
    two.post(url, {"step": "approve"})
    two.post(url, {"step": "launch"})
    assert Campaign.objects.get().status == "running"
    assert CampaignDelivery.objects.filter(delivered_at__isnull=False).count() == 2
    page = two.get(url).content.decode()
    assert "进行中" in page and "触达买家" in page and 'id="marketing-uplift"' in page
    listing = two.get("/marketing/campaigns/").content.decode()
    assert "开学季" in listing and "优惠券" in listing
    for html in (*pages, preview, page, listing):
        text = visible(html)
        for code in RAW:
            assert code not in text, code
