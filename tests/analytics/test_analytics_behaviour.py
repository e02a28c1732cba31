"""Browse behaviour (R3.2.1), reviews (R3.2.3) and conversion levers (R3.3.3) on small hand-made event sets.

T0 is 2026-03-02 09:00 Asia/Shanghai; minute 1440 is the same time on 2026-03-03.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from analytics_django_support import T0, ev, store
from django.test import Client

from mallops.analytics import behaviour, behaviour_levers, querying
from mallops.analytics.models import Experiment, ExperimentExposure, Task
from mallops.analytics.services import events_ingest, identity_merge
from mallops.analytics.storage import reset_stores
from mallops.analytics.store.events import SHANGHAI
from mallops.analytics.store.store import EventStore
from mallops.audit.models import AuditEvent
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]
D1, D2 = date(2026, 3, 2), date(2026, 3, 3)
DAY = 1440
BAIDU = {"utm_source": "baidu", "utm_medium": "cpc"}
WEIBO = {"utm_source": "weibo", "utm_medium": "social"}


def browse_events() -> list[dict[str, Any]]:
    return [
        # a: one search-ads session
        ev("a1", "page_view", "a", 0, page="home", **BAIDU),  # dwell 60 s (next event)
        ev("a2", "page_view", "a", 1, page="product", spu="S1"),  # dwell 120 s
        ev("a3", "impression", "a", 3, placement="rec"),
        ev("a4", "click", "a", 3.5, placement="rec"),
        ev("a5", "add_to_cart", "a", 4, spu="S1"),
        ev("a6", "page_view", "a", 5, page="product", spu="S2", dwell_ms=30_000),  # dwell from property
        # b: two direct sessions (40 minutes apart)
        ev("b1", "page_view", "b", 10, page="product", spu="S1"),  # last of its session: no dwell
        ev("b2", "page_view", "b", 50, page="home"),  # dwell 60 s
        ev("b3", "impression", "b", 51, placement="rec"),
        ev("b4", "impression", "b", 52, placement="banner"),
        # c: adds to cart on day 1 without a product view, views and adds on day 2 from weibo
        ev("c0", "add_to_cart", "c", 20, spu="S9"),
        ev("c1", "page_view", "c", DAY, page="product", spu="S3", **WEIBO),  # dwell 30 s
        ev("c2", "add_to_cart", "c", DAY + 0.5, spu="S3"),
        ev("c3", "page_view", "c", DAY + 890, page="home"),  # 23:50, next event 20 min later on day 3
        ev("c4", "page_view", "c", DAY + 910, page="home"),  # day 3: outside the period
    ]


def viewer() -> ApiClient:
    return ApiClient(token=token_for(make_staff("data_ops")))


@pytest.mark.req("R3.2.1")
def test_browse_report_dwell_ctr_and_add_to_cart_per_day_and_channel(store: EventStore) -> None:
    events_ingest(events=browse_events())
    report = behaviour.browse_report(start=D1, end=D2)
    assert report["totals"] == {
        "page_views": 7,
        "dwell_measured": 6,
        "dwell_mean_seconds": 250.0,  # (60 + 120 + 30 + 60 + 30 + 1200) / 6
        "dwell_median_seconds": 60.0,
        "impressions": 3,
        "clicks": 1,
        "ctr": 1 / 3,
        "product_viewers": 3,
        "cart_adders": 2,
        "add_to_cart_rate": 2 / 3,
    }
    first, second = report["days"]
    assert (first["date"], first["page_views"], first["dwell_mean_seconds"]) == ("2026-03-02", 5, 67.5)
    assert (first["product_viewers"], first["cart_adders"], first["add_to_cart_rate"]) == (2, 1, 0.5)
    assert (first["impressions"], first["clicks"]) == (3, 1)
    assert (second["page_views"], second["dwell_median_seconds"], second["ctr"]) == (2, 615.0, None)
    assert (second["product_viewers"], second["cart_adders"]) == (1, 1)
    channels = {row["channel"]: row for row in report["channels"]}
    assert list(channels) == ["search_ads", "social", "direct"]
    assert channels["search_ads"]["page_views"] == 3 and channels["search_ads"]["ctr"] == 1.0
    assert channels["search_ads"]["add_to_cart_rate"] == 1.0 and channels["search_ads"]["label"] == "搜索广告"
    assert channels["social"]["add_to_cart_rate"] == 1.0 and channels["social"]["dwell_mean_seconds"] == 30.0
    assert channels["direct"]["page_views"] == 3 and channels["direct"]["dwell_mean_seconds"] == 630.0
    assert (channels["direct"]["impressions"], channels["direct"]["ctr"]) == (2, 0.0)
    assert (channels["direct"]["product_viewers"], channels["direct"]["add_to_cart_rate"]) == (1, 0.0)
    assert report["pages"] == [
        {
            "page": "product",
            "page_views": 4,
            "dwell_measured": 3,
            "dwell_mean_seconds": 60.0,
            "dwell_median_seconds": 30.0,
        },
        {
            "page": "home",
            "page_views": 3,
            "dwell_measured": 3,
            "dwell_mean_seconds": 440.0,
            "dwell_median_seconds": 60.0,
        },
    ]
    assert report["placements"] == [
        {"placement": "rec", "impressions": 2, "clicks": 1, "ctr": 0.5},
        {"placement": "banner", "impressions": 1, "clicks": 0, "ctr": 0.0},
    ]


@pytest.mark.req("R3.2.1")
def test_browse_counts_merged_identities_once_and_api_answers(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("x1", "page_view", "anon-1", 0, page="product", spu="S1"),
            ev("x2", "add_to_cart", "buyer-1", 2, spu="S1"),
        ]
    )
    assert behaviour.browse_report(start=D1, end=D1)["totals"]["cart_adders"] == 0
    events_ingest(events=[ev("x3", "add_to_cart", "z", 5), ev("x4", "page_view", "z", 5, spu="S1")])
    assert behaviour.browse_report(start=D1, end=D1)["totals"]["cart_adders"] == 1  # the same instant counts
    identity_merge(alias_id="anon-1", distinct_id="buyer-1")
    body = viewer().get_json("/api/v1/analytics/behaviour?start=2026-03-02&end=2026-03-02").json()
    assert body["totals"]["product_viewers"] == 2 and body["totals"]["add_to_cart_rate"] == 1.0
    assert body["totals"]["dwell_mean_seconds"] == 60.0  # 120 s to the merged person's next event, and 0 s


def review_events() -> list[dict[str, Any]]:
    return [
        ev("r1", "review", "u1", 0, spu="S1", score=5, content="质量很好，物流很快"),
        ev("r2", "review", "u2", 1, spu="S1", score=1, content="质量太差了，物流很慢"),
        ev("r3", "review", "u3", 2, spu="S2", score=2, content="物流很慢，包装破损 BAD"),
        ev("r4", "review", "u4", 3, spu="S2", score=4),
        ev("r5", "review", "u5", 4, spu="S2", score="bad"),  # not a score: left out
        ev("r6", "review", "u6", 5, spu="S2", score=7),  # out of range: left out
        ev("r7", "review", "u1", DAY, spu="S1", score=3, content="一般"),
    ]


@pytest.mark.req("R3.2.3")
def test_review_report_scores_histogram_negative_share_and_terms(store: EventStore) -> None:
    events_ingest(events=review_events())
    report = behaviour.review_report(start=D1, end=D2)
    assert (report["reviews"], report["mean_score"], report["negative"]) == (5, 3.0, 2)
    assert (report["negative_share"], report["with_content"]) == (0.4, 4)
    assert [row["reviews"] for row in report["histogram"]] == [1, 1, 1, 1, 1]
    assert [(d["date"], d["reviews"], d["negative_share"]) for d in report["days"]] == [
        ("2026-03-02", 4, 0.5),
        ("2026-03-03", 1, 0.0),
    ]
    assert report["spus"] == [
        {"spu": "S1", "reviews": 3, "mean_score": 3.0, "negative": 1, "negative_share": 1 / 3},
        {"spu": "S2", "reviews": 2, "mean_score": 3.0, "negative": 1, "negative_share": 0.5},
    ]
    terms = [(row["term"], row["reviews"]) for row in report["top_terms"]]
    assert terms[:4] == [("很慢", 2), ("流很", 2), ("物流", 2), ("bad", 1)]
    assert ("质量", 1) in terms and ("很好", 1) not in terms  # only negative reviews
    assert [(r["score"], r["content"]) for r in report["latest_negative"]] == [
        (2, "物流很慢，包装破损 BAD"),
        (1, "质量太差了，物流很慢"),
    ]
    assert report["latest_negative"][0]["at"] == "2026-03-02T09:02:00+08:00"


def test_review_terms_are_bigrams_and_words() -> None:
    assert behaviour.review_terms("发货太慢！ＴＯＯ slow, 就是") == {"发货", "货太", "太慢", "too", "slow"}


@pytest.mark.req("R3.2.3")
@pytest.mark.req("R3.4.2")
def test_negative_reviews_become_an_audited_task(store: EventStore) -> None:
    events_ingest(events=review_events())
    client = viewer()
    response = client.post_json(
        "/api/v1/analytics/reviews/tasks", {"start": "2026-03-02", "end": "2026-03-03", "team": "product_ops"}
    )
    assert response.status_code == 201, response.text
    task = Task.objects.get()
    assert task.title == "差评率 40.0%（2/5）：很慢、流很、物流、bad、包装"
    assert (task.team, task.metric, task.finding["negative"]) == ("product_ops", "negative_review_share", 2)
    assert task.finding["top_terms"][0] == {"term": "很慢", "reviews": 2}
    assert AuditEvent.objects.filter(action="analytics.task_create").count() == 1
    bad = client.post_json(
        "/api/v1/analytics/reviews/tasks", {"start": "2026-03-03", "end": "2026-03-02", "team": "x"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "end"]
    assert Task.objects.count() == 1


def lever_events() -> list[dict[str, Any]]:
    return [
        ev("v1a", "page_view", "v1", 0, experiment="pdp-layout", variant="B"),
        ev("v1b", "checkout", "v1", 5, coupon="SAVE10"),
        ev("v1c", "checkout_step", "v1", 6, step_index=1, step="address"),
        ev("v1d", "checkout_step", "v1", 7, step_index=2, step="payment"),
        ev("v1e", "order_paid", "v1", 8, order_id="O1", amount_fen=9_000, coupon="SAVE10", member=True),
        ev("v1f", "order_paid", "v1", 9, order_id="O1", amount_fen=9_000),  # resent: counts once
        ev("v1g", "order_paid", "v1", 100, order_id="O2", amount_fen=5_000, member=True),
        ev("v2a", "page_view", "v2", 0, experiment="pdp-layout", variant="A"),
        ev("v2b", "checkout", "v2", 5),
        ev("v2c", "checkout_step", "v2", 6, step_index=1, step="address"),
        ev("v2d", "checkout_step", "v2", 7, step_index=2, step="payment"),
        ev("v3a", "page_view", "v3", 0, experiment="pdp-layout", variant="A"),
        ev("v3b", "checkout", "v3", 5, threshold_offer="满199减20"),
        ev("v3c", "checkout_step", "v3", 6, step_index=1, step="address"),
        ev(
            "v3d",
            "order_paid",
            "v3",
            8,
            order_id="O3",
            amount_fen=20_000,
            threshold_fen=2_000,
            points_used=100,
        ),
        ev("v4a", "page_view", "v4", 0),
        ev(
            "v5a",
            "order_paid",
            "v5",
            10,
            order_id="O4",
            amount_fen=3_000,
            gift=True,
            from_recommendation=True,
        ),
    ]


@pytest.mark.req("R3.3.3")
def test_levers_variants_offers_checkout_steps_and_loyalty(store: EventStore) -> None:
    events_ingest(events=lever_events())
    experiment = Experiment.objects.create(
        key="checkout-x",
        title="x",
        variants=[{"key": "control", "weight": 50}, {"key": "treat", "weight": 50}],
        metric_event="order_paid",
        started_at=T0,
    )
    for who, variant, minute in (("v1", "control", 0), ("v2", "treat", 0), ("v3", "treat", 9)):
        ExperimentExposure.objects.create(
            experiment=experiment, distinct_id=who, variant=variant, exposed_at=T0 + timedelta(minutes=minute)
        )
    report = behaviour_levers.levers_report(start=D1, end=D1)
    assert report["overall"] == {"users": 4, "buyers": 2, "conversion": 0.5}
    assert report["experiments"] == [
        {"experiment": "checkout-x", "variant": "control", "users": 1, "buyers": 1, "conversion": 1.0},
        {"experiment": "checkout-x", "variant": "treat", "users": 2, "buyers": 0, "conversion": 0.0},
    ]
    assert report["page_variants"] == [
        {"group": "pdp-layout", "variant": "A", "users": 2, "buyers": 1, "conversion": 0.5},
        {"group": "pdp-layout", "variant": "B", "users": 1, "buyers": 1, "conversion": 1.0},
    ]
    offers = {row["lever"]: row for row in report["offers"]}
    coupon = offers["coupon"]
    assert coupon["with"] == {
        "checkout_users": 1,
        "buyers": 1,
        "conversion": 1.0,
        "orders": 1,
        "gmv_fen": 9_000,
        "aov_fen": 9_000,
    }
    assert (coupon["without"]["checkout_users"], coupon["without"]["conversion"]) == (2, 0.5)
    assert (coupon["without"]["orders"], coupon["without"]["gmv_fen"], coupon["without"]["aov_fen"]) == (
        3,
        28_000,
        9_333,
    )
    assert coupon["lift"] == 0.5
    threshold = offers["threshold_offer"]
    assert (threshold["with"]["conversion"], threshold["with"]["gmv_fen"]) == (1.0, 20_000)
    assert threshold["without"]["aov_fen"] == 5_667  # 17,000 / 3, half up
    gift = offers["gift"]
    assert (gift["with"]["checkout_users"], gift["with"]["conversion"], gift["lift"]) == (0, None, None)
    assert (gift["with"]["orders"], gift["without"]["aov_fen"]) == (1, 11_333)
    assert report["checkout_steps"] == [
        {"step_index": 1, "step": "address", "users": 3, "drop_off": None},
        {"step_index": 2, "step": "payment", "users": 2, "drop_off": pytest.approx(1 / 3)},
        {"step_index": None, "step": "order_paid", "users": 2, "drop_off": 0.0},
    ]
    loyalty = {row["lever"]: row for row in report["repurchase"]}
    assert loyalty["member"]["with"] == {"buyers": 1, "repeat_buyers": 1, "repurchase_rate": 1.0}
    assert loyalty["member"]["without"] == {"buyers": 2, "repeat_buyers": 0, "repurchase_rate": 0.0}
    assert loyalty["points"]["with"]["buyers"] == 1 and loyalty["points"]["without"]["repurchase_rate"] == 0.5
    assert loyalty["recommendation"]["with"] == {"buyers": 1, "repeat_buyers": 0, "repurchase_rate": 0.0}


def test_endpoints_need_analytics_view_and_a_valid_range(store: EventStore) -> None:
    outsider = ApiClient(token=token_for(make_staff("listing_reviewer")))
    for path in ("behaviour", "reviews", "levers"):
        url = f"/api/v1/analytics/{path}?start=2026-03-02&end=2026-03-02"
        assert outsider.get_json(url).status_code == 403
        assert viewer().get_json(url).status_code == 200
        bad = viewer().get_json(f"/api/v1/analytics/{path}?start=2026-03-02&end=2027-03-03")
        assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "range"
    denied = outsider.post_json(
        "/api/v1/analytics/reviews/tasks", {"start": "2026-03-02", "end": "2026-03-02"}
    )
    assert denied.status_code == 403 and Task.objects.count() == 0


def test_console_page_shows_the_three_tabs_with_charts(store: EventStore) -> None:
    events_ingest(events=browse_events() + review_events() + lever_events())
    client = Client()
    client.force_login(make_staff("data_ops"))
    base = "/analytics/behaviour/?start=2026-03-02&end=2026-03-03"
    browse = client.get(base).content.decode()
    assert "浏览行为" in browse and browse.count("<svg") >= 3 and "33.3%" in browse
    assert "用户流失节点" in browse and "浏览页面 → 离开" in browse  # paths after add_to_cart (R3.2.6)
    reviews = client.get(base + "&tab=reviews").content.decode()
    assert "差评率" in reviews and "40.0%" in reviews and "物流很慢，包装破损 BAD" in reviews
    assert '<form method="post" action="?tab=reviews' in reviews
    posted = client.post(base + "&tab=reviews", {"start": "2026-03-02", "end": "2026-03-03", "team": "cs"})
    assert posted.status_code == 302 and "tab=reviews" in posted["Location"]
    assert Task.objects.get().team == "cs" and Task.objects.get().finding["negative"] == 2
    levers = client.get(base + "&tab=levers").content.decode()
    assert "转化杠杆" in levers and "address" in levers and "pdp-layout" in levers
    outsider = Client()
    outsider.force_login(make_staff("listing_reviewer"))
    assert outsider.get(base).status_code == 403


@pytest.mark.req("R3.2.1")
@pytest.mark.req("R3.2.3")
@pytest.mark.req("R3.3.3")
def test_reports_on_clickhouse_equal_the_embedded_store(settings: Any, tmp_path: Path) -> None:
    events = browse_events() + review_events() + lever_events()
    client = viewer()
    paths = [
        f"/api/v1/analytics/{name}?start=2026-03-02&end=2026-03-03"
        for name in ("behaviour", "reviews", "levers")
    ]
    answers = []
    try:
        for directory, url in (("embedded", ""), ("clickhouse", f"chdb://{tmp_path / 'chdb'}")):
            settings.ANALYTICS_STORE_DIR = str(tmp_path / directory)
            settings.CLICKHOUSE_URL = url
            reset_stores()
            querying.reset_backends()
            events_ingest(events=events)
            answers.append([client.get_json(path).json() for path in paths])
        assert (tmp_path / "chdb").exists()
    finally:
        reset_stores()
        querying.reset_backends()
    assert answers[0] == answers[1]
    assert answers[1][0]["totals"]["page_views"] == 11 and answers[1][1]["negative_share"] == 0.4


def test_demo_events_feed_every_report_and_load_twice_stores_nothing_new(store: EventStore) -> None:
    from mallops.analytics import behaviour_demo

    start = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    events = behaviour_demo.generate(start, start + timedelta(days=60))
    stored = sum(events_ingest(events=events[k : k + 1000]).ingested for k in range(0, len(events), 1000))
    assert stored == len(events)
    assert events_ingest(events=events[:500]).duplicates == 500
    end = date(2026, 3, 30)
    browse = behaviour.browse_report(start=date(2026, 3, 1), end=end)["totals"]
    assert browse["impressions"] > browse["clicks"] > 0 and 0 < browse["add_to_cart_rate"] < 1
    assert browse["dwell_measured"] == browse["page_views"]  # every demo view sends dwell_ms
    reviews = behaviour.review_report(start=date(2026, 3, 1), end=end)
    assert reviews["reviews"] > 0 and 0 < reviews["negative_share"] < 1 and reviews["top_terms"]
    levers = behaviour_levers.levers_report(start=date(2026, 3, 1), end=end)
    assert [row["step"] for row in levers["checkout_steps"]] == [
        "address",
        "shipping",
        "payment",
        "order_paid",
    ]
    assert all(row["with"]["checkout_users"] > 0 for row in levers["offers"])
    assert {row["variant"] for row in levers["page_variants"]} == {"A", "B"}
