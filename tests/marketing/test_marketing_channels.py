"""Channels, spend and attribution (R4.1.1, R4.1.3): the channel report reconciles with orders and spend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from mallops.accounts.actors import actor_of
from mallops.analytics.services import events_ingest
from mallops.analytics.storage import get_store, reset_stores
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.marketing import selectors, services
from mallops.marketing.engine import Model
from mallops.marketing.models import Channel, ChannelSpend
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai on DAY


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    get_store()
    yield
    reset_stores()


def ev(n: int, event: str, who: str, minutes: float, **properties: Any) -> dict[str, Any]:
    return {
        "uuid": f"00000000-0000-4000-8000-{n:012d}",
        "event": event,
        "distinct_id": who,
        "timestamp": (T0 + timedelta(minutes=minutes)).isoformat(),
        "properties": properties,
    }


def paid(n: int, who: str, minutes: float, yuan: int) -> dict[str, Any]:
    return ev(n, "order_paid", who, minutes, order_id=f"O{n}", amount_fen=yuan * 100)


def setup_channels(actor: Any) -> dict[str, Channel]:
    return {
        code: services.channel_create(
            actor=actor_of(actor), code=code, name=name, kind=kind, utm_source=source
        )
        for code, name, kind, source in [
            ("baidu", "百度搜索", "search_ads", "Baidu"),
            ("douyin", "抖音直播", "live_streaming", "douyin_live"),
            ("wecom", "企业微信", "private_domain", "wecom"),
        ]
    }


@pytest.mark.req("R4.1.1")
@pytest.mark.req("R4.1.3")
def test_channel_roi_reconciles_with_orders_and_spend(store: None) -> None:
    # given: three channels, spend typed in the console and imported from CSV (one day outside the period)
    actor = make_staff("product_ops")
    channels = setup_channels(actor)
    services.spend_set(actor=actor_of(actor), channel_id=channels["baidu"].pk, day=DAY, amount_fen=100_00)
    csv_text = (
        "channel,day,amount_yuan\ndouyin,2026-03-02,50.50\nwecom,2026-03-02,20\ndouyin,2026-03-01,999\n"
    )
    assert services.spend_import_csv(actor=actor_of(actor), text=csv_text) == services.SpendImport(
        rows=3, changed=3
    )
    # and: touches and paid orders; alice browsed anonymously from Baidu, then logged in on another device
    events_ingest(
        events=[
            ev(1, "page_view", "anon-a", 0, utm_source="baidu", utm_medium="cpc"),
            ev(2, "$identify", "alice", 5, **{"$anon_distinct_id": "anon-a"}),
            ev(3, "page_view", "alice", 10, utm_source="wecom", utm_medium="private"),
            paid(4, "alice", 20, 300),
            ev(5, "page_view", "bob", 1, utm_source="douyin_live", utm_medium="live"),
            paid(6, "bob", 30, 120),
            paid(7, "bob", 40, 80),  # bob is one new buyer, not two
            ev(8, "order_paid", "carol", -60 * 24 * 10, order_id="O8", amount_fen=1_00),  # paid before
            ev(9, "page_view", "carol", 2, utm_source="baidu", utm_medium="cpc"),
            paid(10, "carol", 50, 50),  # not a new buyer
            paid(11, "dave", 60, 10),  # no touch: unattributed
            ev(12, "page_view", "erin", 3, utm_source="nowhere"),
            paid(13, "erin", 70, 7),  # a touch of no channel: unattributed
        ]
    )

    # when
    last = selectors.channel_report(actor=actor, start=DAY, end=DAY, model=Model.LAST_TOUCH)
    first = selectors.channel_report(actor=actor, start=DAY, end=DAY, model=Model.FIRST_TOUCH)

    # then: every order and every fen of GMV and spend is in exactly one row
    for report in (last, first):
        assert sum(r.orders for r in report.attribution.rows) == 6
        assert report.total_gmv_fen == (300 + 120 + 80 + 50 + 10 + 7) * 100
        assert report.total_spend_fen == 100_00 + 50_50 + 20_00
    rows = {r.code: r for r in last.attribution.rows}
    assert (rows["wecom"].orders, rows["wecom"].gmv_fen, rows["wecom"].new_buyers) == (1, 300_00, 1)
    assert rows["wecom"].roi == Fraction(300_00 - 20_00, 20_00)
    assert rows["wecom"].cac_fen == 20_00
    assert (rows["douyin"].orders, rows["douyin"].gmv_fen, rows["douyin"].new_buyers) == (2, 200_00, 1)
    assert rows["douyin"].roi == Fraction(200_00 - 50_50, 50_50)
    assert rows["douyin"].cac_fen == 50_50
    assert (rows["baidu"].orders, rows["baidu"].gmv_fen, rows["baidu"].new_buyers) == (1, 50_00, 0)
    assert rows["baidu"].roi == Fraction(50_00 - 100_00, 100_00)
    assert rows["baidu"].cac_fen is None
    assert (rows[""].orders, rows[""].gmv_fen, rows[""].new_buyers, rows[""].spend_fen) == (2, 17_00, 2, 0)
    assert rows[""].cac_fen is None and rows[""].roi is None
    # first touch credits alice's order to Baidu, where her anonymous device came from (identity merge)
    first_rows = {r.code: r for r in first.attribution.rows}
    assert first.attribution.credited["O4"] == "baidu"
    assert (first_rows["baidu"].orders, first_rows["baidu"].gmv_fen, first_rows["baidu"].new_buyers) == (
        2,
        350_00,
        1,
    )
    assert first_rows["wecom"].orders == 0
    # budget: the mean ROI is (-1/2 + 299/101 + 14) / 3; only WeCom is above it and may gain at most 20 % of
    # its 20 元; Baidu and Douyin give that 4 元 in proportion to their own 20 % caps (20 元 : 10.10 元)
    moves = {m.code: m for m in last.moves}
    assert last.mean_roi == (Fraction(-1, 2) + Fraction(299, 101) + 14) / 3
    assert {code: m.change_fen for code, m in moves.items()} == {
        "baidu": -2_66,
        "douyin": -1_34,
        "wecom": 4_00,
    }
    assert "低于各渠道平均" in moves["baidu"].reason_zh and "高于各渠道平均" in moves["wecom"].reason_zh


def test_spend_import_is_idempotent_and_all_or_nothing() -> None:
    actor = make_staff("product_ops")
    setup_channels(actor)
    text = "channel,day,amount_yuan\nbaidu,2026-03-02,12.34\nwecom,2026-03-02,0\n"
    assert services.spend_import_csv(actor=actor_of(actor), text=text).changed == 2
    events = AuditEvent.objects.filter(action="marketing.spend.set").count()
    # the same file again changes nothing and records nothing
    assert services.spend_import_csv(actor=actor_of(actor), text=text) == services.SpendImport(
        rows=2, changed=0
    )
    assert AuditEvent.objects.filter(action="marketing.spend.set").count() == events == 2
    bad = "channel,day,amount_yuan\nbaidu,2026-03-03,5\nnope,2026-03-02,1\nwecom,2026-02-30,1\nwecom,2026-03-04,1.234\nbaidu,2026-03-05,-1\n"
    with pytest.raises(DomainError) as refused:
        services.spend_import_csv(actor=actor_of(actor), text=bad)
    assert [(e.loc, e.code) for e in refused.value.errors] == [
        (("body", "file", 3, "channel"), "unknown"),
        (("body", "file", 4, "day"), "date"),
        (("body", "file", 5, "amount_yuan"), "amount"),
        (("body", "file", 6, "amount_yuan"), "negative"),
    ]
    assert sorted(ChannelSpend.objects.values_list("channel__code", "amount_fen")) == [
        ("baidu", 12_34),
        ("wecom", 0),
    ]


def test_writes_need_promotion_manage() -> None:
    viewer = make_staff("data_ops")
    with pytest.raises(DomainError) as denied:
        services.channel_create(actor=actor_of(viewer), code="x", name="X", kind="social", utm_source="x")
    assert denied.value.status == 403
    assert Channel.objects.count() == 0
