"""The marketing console pages in zh-hans: channels, spend entry in 元 and the ROI report with reasoning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.analytics.storage import get_store, reset_stores
from mallops.marketing import services
from mallops.marketing.models import ChannelSpend
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    get_store()
    yield
    reset_stores()


def test_marketing_pages_in_chinese_without_raw_codes(store: None) -> None:
    # given: two channels with spend (no orders: both ROI -100 %, so the budget is kept)
    operator = make_staff("product_ops")
    baidu = services.channel_create(
        actor=actor_of(operator), code="baidu", name="百度搜索", kind="search_ads", utm_source="baidu"
    )
    services.channel_create(
        actor=actor_of(operator), code="douyin", name="抖音直播", kind="live_streaming", utm_source="dy"
    )
    services.spend_import_csv(
        actor=actor_of(operator), text="channel,day,amount_yuan\ndouyin,2026-03-02,50.50\n"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(operator)

    # when: the spend form takes 元
    posted = client.post(
        "/marketing/spend/", {"channel": baidu.pk, "day": "2026-03-02", "amount": "1,049.50"}
    )

    # then
    assert posted.status_code == 302
    assert ChannelSpend.objects.get(channel=baidu, day=date(2026, 3, 2)).amount_fen == 1_049_50
    channels = client.get("/marketing/channels/").content.decode()
    assert "营销渠道" in channels and "搜索广告" in channels and "直播" in channels
    report = client.get(
        "/marketing/report/?start=2026-03-02&end=2026-03-02&model=first_touch"
    ).content.decode()
    assert "渠道投入产出报表" in report and "首次触点" in report and "未归因" in report
    assert "¥1,049.50" in report and "-100.0%" in report and "建议维持预算" in report
    assert "echarts.min.js" in report and 'id="marketing-roi"' in report
    for html in (channels, report, client.get("/marketing/spend/").content.decode()):
        text = re.sub(r"<[^>]+>", " ", html)
        for code in ("search_ads", "live_streaming", "first_touch", "last_touch", "Marketing", "Channel"):
            assert code not in text, code
