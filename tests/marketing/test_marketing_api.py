"""The marketing API: channels, spend by PUT and CSV upload, the report with first/last touch and look-back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mallops.analytics.services import events_ingest
from mallops.analytics.storage import get_store, reset_stores
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai on 2026-03-02


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


@pytest.mark.req("R4.1.1")
def test_marketing_api_channel_spend_and_report(store: None) -> None:
    # given: an operator with promotion.manage and analytics.view
    client = ApiClient(token=token_for(make_staff("product_ops")))
    created = []
    for code, kind, source in [("baidu", "search_ads", "Baidu"), ("douyin", "live_streaming", "douyin_live")]:
        response = client.post_json(
            "/api/v1/marketing/channels", {"code": code, "name": code, "kind": kind, "utm_source": source}
        )
        assert response.status_code == 201, response.content
        created.append(response.json())
    assert created[0]["utm_source"] == "baidu"
    duplicate = client.post_json(
        "/api/v1/marketing/channels", {"code": "baidu", "name": "x", "kind": "social", "utm_source": "y"}
    )
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "channel_exists")

    # when: spend by PUT (twice: the second replaces) and by CSV upload
    url = f"/api/v1/marketing/channels/{created[0]['id']}/spend/2026-03-02"
    for amount in (5_00, 100_00):
        put = client.put(
            url, data={"amount_fen": amount}, content_type="application/json", headers=client._headers(None)
        )
        assert put.status_code == 200, put.content
    assert put.json() == {
        "channel_id": created[0]["id"],
        "channel": "baidu",
        "day": "2026-03-02",
        "amount_fen": 100_00,
        "source": "api",
    }
    csv_file = SimpleUploadedFile("spend.csv", b"channel,day,amount_yuan\ndouyin,2026-03-02,50.50\n")
    imported = client.post(
        "/api/v1/marketing/spend/import", {"file": csv_file}, headers=client._headers(None)
    )
    assert (imported.status_code, imported.json()) == (200, {"rows": 1, "changed": 1})
    bad = SimpleUploadedFile("spend.csv", b"channel,day,amount_yuan\nnope,2026-03-02,1\n")
    refused = client.post("/api/v1/marketing/spend/import", {"file": bad}, headers=client._headers(None))
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["errors"]] == [["body", "file", 2, "channel"]]
    events_ingest(
        events=[
            ev(1, "page_view", "alice", 0, utm_source="baidu"),
            ev(2, "page_view", "alice", 10, utm_source="douyin_live"),
            ev(3, "order_paid", "alice", 20, order_id="O3", amount_fen=300_00),
        ]
    )

    # then: last touch credits Douyin, first touch Baidu; totals reconcile
    base = "/api/v1/marketing/report?start=2026-03-02&end=2026-03-02"
    last = client.get_json(base).json()
    first = client.get_json(base + "&model=first_touch&lookback_days=7").json()
    assert [
        (r["channel"], r["spend_fen"], r["orders"], r["gmv_fen"], r["new_buyers"]) for r in last["rows"]
    ] == [
        ("baidu", 100_00, 0, 0, 0),
        ("douyin", 50_50, 1, 300_00, 1),
        ("", 0, 0, 0, 0),
    ]
    assert (last["total_spend_fen"], last["total_orders"], last["total_gmv_fen"]) == (150_50, 1, 300_00)
    assert last["rows"][1]["cac_fen"] == 50_50
    assert last["rows"][0]["roi"] == "-1.000000"
    assert (first["model"], first["lookback_days"]) == ("first_touch", 7)
    assert [(r["channel"], r["orders"]) for r in first["rows"]] == [("baidu", 1), ("douyin", 0), ("", 0)]
    # the move is capped by what Douyin may take (20 % of 50.50 元)
    assert {m["channel"]: m["change_fen"] for m in last["moves"]} == {"baidu": -10_10, "douyin": 10_10}
    bad_range = client.get_json(base + "&lookback_days=91")
    assert bad_range.status_code == 422
