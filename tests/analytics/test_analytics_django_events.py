"""POST /api/v1/events, server-side tracking, personal-data filter, identity merge, channels."""

from __future__ import annotations

import json
from typing import Any

import pyarrow.parquet as pq
import pytest
from analytics_django_support import ev, iso, store

from mallops.analytics import services
from mallops.analytics.channels import ChannelGroup, channel_group
from mallops.analytics.models import IdentityAlias
from mallops.analytics.store.store import EventStore
from mallops.privacy.keys import get_keyring
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]


def stored(store: EventStore) -> list[dict[str, Any]]:
    store.load()
    rows: list[dict[str, Any]] = []
    for path in store.live_files():
        rows.extend(pq.read_table(path).to_pylist())
    return sorted(rows, key=lambda row: row["uuid"])


@pytest.mark.req("R3.1.1")
def test_batch_is_stored_and_repeated_uuids_count_once(store: EventStore) -> None:
    api = ApiClient()
    batch = [ev(f"u{i}", "page_view", f"buyer{i % 3}", i) for i in range(10)]
    batch.append(ev("u3", "page_view", "someone_else", 99))  # same uuid inside the batch
    batch.append({"uuid": "bad", "event": "x"})  # missing keys
    response = api.post_json("/api/v1/events", batch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "ingested": 10,
        "duplicates": 1,
        "rejected": 1,
        "errors": [{"line": 12, "msg": "missing distinct_id, timestamp"}],
    }
    again = api.post_json("/api/v1/events", {"batch": batch[:5]}).json()
    assert again["ingested"] == 0 and again["duplicates"] == 5
    rows = stored(store)
    assert len(rows) == 10
    assert next(row for row in rows if row["uuid"] == "u3")["distinct_id"] == "buyer0"


@pytest.mark.req("R3.1.1")
def test_batch_above_1000_is_413_and_malformed_body_is_422(store: EventStore) -> None:
    api = ApiClient()
    too_many = [ev(f"u{i}", "page_view", "b", 0) for i in range(1001)]
    response = api.post_json("/api/v1/events", too_many)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "batch_too_large"
    assert (
        api.post_json("/api/v1/events", [ev(f"u{i}", "page_view", "b", 0) for i in range(1000)]).status_code
        == 200
    )
    bad = api.post("/api/v1/events", data=b"{not json", content_type="application/json")
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")
    assert api.post_json("/api/v1/events", {"events": 3}).status_code == 422
    assert store.spool.spooled_count() == 1000


@pytest.mark.req("R3.1.2")
def test_personal_properties_are_hashed_with_the_blind_index_or_dropped(store: EventStore) -> None:
    event = ev(
        "p1",
        "checkout",
        "buyer1",
        0,
        phone="13800138000",
        Email="a@example.com",
        name="张三",
        address="上海市浦东新区世纪大道1号",
        ip="10.1.2.3",
        shipping={"id_number": "110101199003077777", "mobile": "13900139000", "city": "上海"},
        amount_fen=1999,
    )
    assert ApiClient().post_json("/api/v1/events", [event]).json()["ingested"] == 1
    (row,) = stored(store)
    properties = json.loads(row["properties"])
    keyring = get_keyring()
    assert properties == {
        "phone": "bi:" + keyring.blind_index("13800138000", namespace="analytics"),
        "Email": "bi:" + keyring.blind_index("a@example.com", namespace="analytics"),
        "shipping": {
            "mobile": "bi:" + keyring.blind_index("13900139000", namespace="analytics"),
            "city": "上海",
        },
        "amount_fen": 1999,
    }
    assert "13800138000" not in row["properties"] and "张三" not in row["properties"]


@pytest.mark.req("R3.1.1")
def test_server_side_track_is_idempotent_with_a_stable_uuid(store: EventStore) -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert services.analytics_track(
        event="order_paid", distinct_id="buyer7", properties={"amount_fen": 500}, at=at, uuid="order_paid:1"
    )
    assert not services.analytics_track(
        event="order_paid", distinct_id="buyer7", properties={"amount_fen": 500}, at=at, uuid="order_paid:1"
    )
    (row,) = stored(store)
    assert row["event"] == "order_paid" and json.loads(row["properties"]) == {"amount_fen": 500}


@pytest.mark.req("R4.1.3")
def test_identity_merge_counts_one_person_once_in_funnels(store: EventStore) -> None:
    api = ApiClient()
    batch = [
        ev("a1", "page_view", "anon-phone", 0),  # browses anonymously on the phone app
        ev("a2", "add_to_cart", "anon-phone", 1),
        ev("a3", "$identify", "buyer42", 2, **{"$anon_distinct_id": "anon-phone"}),
        ev("a4", "page_view", "anon-pc", 3),  # and on the PC
        ev("a5", "$identify", "buyer42", 4, **{"$anon_distinct_id": "anon-pc"}),
        ev("a6", "order_paid", "buyer42", 5),
        ev("b1", "page_view", "buyer43", 0),
    ]
    assert api.post_json("/api/v1/events", batch).json()["ingested"] == 7
    assert dict(IdentityAlias.objects.values_list("alias_id", "distinct_id")) == {
        "anon-phone": "buyer42",
        "anon-pc": "buyer42",
    }
    viewer = ApiClient(token=token_for(make_staff("data_ops")))
    query = f"steps=page_view,add_to_cart,order_paid&window=3600&from={iso(-1)}&to={iso(60)}".replace(
        "+", "%2B"
    )
    resolved = viewer.get_json(f"/api/v1/analytics/funnel?{query}").json()
    assert [step["users"] for step in resolved["steps"]] == [2, 1, 1]
    assert resolved["identity_resolved"] is True
    raw = viewer.get_json(f"/api/v1/analytics/funnel?{query}&identity=false").json()
    assert [step["users"] for step in raw["steps"]] == [3, 1, 0]


def test_identity_chains_are_flattened() -> None:
    services.identity_merge(alias_id="device-1", distinct_id="wechat-1")
    services.identity_merge(alias_id="wechat-1", distinct_id="buyer1")
    services.identity_merge(alias_id="device-1", distinct_id="other")  # the first merge wins
    assert services.identity_merge(alias_id="buyer1", distinct_id="device-1") is None  # no cycle
    assert dict(IdentityAlias.objects.values_list("alias_id", "distinct_id")) == {
        "device-1": "buyer1",
        "wechat-1": "buyer1",
    }


@pytest.mark.req("R4.1.1")
@pytest.mark.parametrize(
    ("channel", "group"),
    [
        ("baidu/paid", ChannelGroup.SEARCH_ADS),
        ("weibo/social", ChannelGroup.SOCIAL),
        ("xiaohongshu/referral", ChannelGroup.CONTENT),
        ("douyin/live", ChannelGroup.LIVE_STREAMING),
        ("wechat/group", ChannelGroup.PRIVATE_DOMAIN),
        ("direct", ChannelGroup.DIRECT),
        ("partner/referral", ChannelGroup.OTHER),
    ],
)
def test_utm_channel_taxonomy(channel: str, group: ChannelGroup) -> None:
    assert channel_group(channel) is group


@pytest.mark.req("R4.1.1")
def test_channel_report_attributes_first_touch_and_conversion(store: EventStore) -> None:
    batch = [
        ev("c1", "page_view", "x1", 0, utm_source="baidu", utm_medium="cpc"),
        ev("c2", "order_paid", "x1", 5),
        ev("c3", "page_view", "x2", 0, utm_source="wechat", utm_medium="group"),
        ev("c4", "page_view", "x2", 1, utm_source="baidu", utm_medium="cpc"),
        ev("c5", "page_view", "x3", 0),
    ]
    ApiClient().post_json("/api/v1/events", batch)
    viewer = ApiClient(token=token_for(make_staff("data_ops")))
    query = f"from={iso(-1)}&to={iso(60)}".replace("+", "%2B")
    body = viewer.get_json(f"/api/v1/analytics/channels?{query}").json()
    by = {row["channel"]: row for row in body["channels"]}
    assert by["search_ads"]["users"] == 1 and by["search_ads"]["converted"] == 1
    assert by["private_domain"]["users"] == 1 and by["private_domain"]["converted"] == 0
    assert by["direct"]["users"] == 1
    assert body["users"] == 3


def test_query_api_needs_analytics_view(store: EventStore) -> None:
    outsider = ApiClient(token=token_for(make_staff("listing_reviewer")))
    query = f"steps=a&window=1&from={iso(0)}&to={iso(1)}".replace("+", "%2B")
    assert outsider.get_json(f"/api/v1/analytics/funnel?{query}").status_code == 403
    assert ApiClient().get_json(f"/api/v1/analytics/funnel?{query}").status_code == 401


def test_a_body_above_the_upload_limit_is_413(store: EventStore, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = [ev(f"u{i}", "page_view", "b", 0, note="x" * 200) for i in range(100)]
    response = ApiClient().post_json("/api/v1/events", big)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert store.spool.spooled_count() == 0
