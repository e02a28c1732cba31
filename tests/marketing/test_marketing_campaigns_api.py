"""The campaign and strategy API: create, preview, approve (four eyes), launch with an Idempotency-Key,
results; a strategy run and its retargeting export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.dsr.testing import grant_consent
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db


def test_campaign_api_walk() -> None:
    author = ApiClient(token=token_for(make_staff("product_ops")))
    approver = ApiClient(token=token_for(make_staff("product_ops")))
    buyers = [make_buyer(f"api-mkt-{i}") for i in range(3)]
    grant_consent(buyers[:2], ["marketing"])
    tagged = author.post_json(
        "/api/v1/marketing/buyer-tags", {"tag": "宝妈", "usernames": [b.username for b in buyers] + ["ghost"]}
    )
    assert tagged.status_code == 200 and tagged.json() == {"tagged": 3, "unknown": ["ghost"]}
    preview = author.post_json("/api/v1/marketing/audience-preview", {"tags": ["宝妈"], "holdout_percent": 0})
    assert preview.json() == {"matched": 3, "no_consent": 1, "audience": 2, "holdout": 0}
    channel = author.post_json(
        "/api/v1/marketing/channels",
        {"code": "sms", "name": "短信", "kind": "private_domain", "utm_source": "sms"},
    ).json()
    now = timezone.now()
    body = {
        "name": "宝妈专享",
        "tags": ["宝妈"],
        "offer_kind": "coupon",
        "coupon_batch_id": make_batch(None).pk,
        "message": "宝妈专享满199减30",
        "channel_id": channel["id"],
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
        "holdout_percent": 0,
    }
    created = author.post_json("/api/v1/marketing/campaigns", body)
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    assert author.get_json(f"/api/v1/marketing/campaigns/{cid}/results").status_code == 204
    assert (
        author.post_json(f"/api/v1/marketing/campaigns/{cid}/approve", {}).json()["code"]
        == "four_eyes_required"
    )
    assert approver.post_json(f"/api/v1/marketing/campaigns/{cid}/approve", {}).json()["status"] == "approved"
    assert approver.post_json(f"/api/v1/marketing/campaigns/{cid}/launch", {}).status_code == 428
    launched = approver.post_json(
        f"/api/v1/marketing/campaigns/{cid}/launch", {}, headers={"Idempotency-Key": "launch-1"}
    )
    assert launched.status_code == 200 and launched.json()["status"] == "running"
    results = author.get_json(f"/api/v1/marketing/campaigns/{cid}/results").json()
    assert (results["reach"], results["conversions"], results["gmv_fen"], results["roi"]) == (2, 0, 0, None)


def test_strategy_api_run_and_export() -> None:
    from mallops.analytics.models import SegmentMember

    client = ApiClient(token=token_for(make_staff("product_ops")))
    buyer = make_buyer("api-potential")
    grant_consent([buyer], ["marketing"])
    SegmentMember.objects.create(
        distinct_id=buyer.username,
        recency_days=1,
        frequency=1,
        monetary_fen=100,
        r_score=5,
        f_score=1,
        m_score=1,
        tag="potential",
        computed_on=timezone.localdate(),
        source="events",
    )
    channel = client.post_json(
        "/api/v1/marketing/channels", {"code": "xhs", "name": "小红书", "kind": "social", "utm_source": "xhs"}
    ).json()
    strategy = client.post_json(
        "/api/v1/marketing/strategies",
        {
            "name": "潜力种草",
            "action": "retarget_list",
            "segment": "potential",
            "channel_id": channel["id"],
            "holdout_percent": 0,
        },
    )
    assert strategy.status_code == 201, strategy.json()
    run = client.post_json(
        f"/api/v1/marketing/strategies/{strategy.json()['id']}/run", {}, headers={"Idempotency-Key": "run-1"}
    )
    assert run.status_code == 201 and (run.json()["matched"], run.json()["acted"]) == (1, 1)
    measured = client.get_json(f"/api/v1/marketing/strategy-runs/{run.json()['id']}").json()
    assert measured["results"]["reach"] == 1 and measured["results"]["conversion_rate"] == "0.000000"
    export = client.get_json(f"/api/v1/marketing/strategy-runs/{run.json()['id']}/retarget.csv")
    assert export.content.decode().splitlines() == ["channel,utm_source,buyer", "xhs,xhs,api-potential"]
