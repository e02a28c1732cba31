"""KPI registry: figures reconcile exactly with their source events, period-over-period, campaigns, tasks."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from analytics_django_support import T0, ev, store

from mallops.analytics import metrics
from mallops.analytics.models import Task
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.audit.models import AuditEvent
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]
DAY = 24 * 60
START = date(2026, 3, 2)  # T0 is 2026-03-02 09:00 Asia/Shanghai


def orders_fixture(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events over 14 days (7 previous + 7 current) and the order_paid events that count."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    paid: list[dict[str, Any]] = []
    for i in range(300):
        who = f"buyer{rng.randint(0, 80):03d}"
        minute = rng.uniform(-7 * DAY, 7 * DAY) - 9 * 60  # covers both periods, Shanghai days
        events.append(ev(f"v{i}", "page_view", who, minute))
        if rng.random() < 0.4:
            order = ev(
                f"o{i}",
                "order_paid",
                who,
                minute + 5,
                order_id=f"ORD{i}",
                amount_fen=rng.randint(100, 50_000),
                discount_fen=rng.randint(0, 900),
                campaign=rng.choice(["", "spring", "618"]),
            )
            events.append(order)
            paid.append(order)
            if rng.random() < 0.1:  # the same order sent again under another uuid: counts once
                events.append({**order, "uuid": f"again{i}"})
        if rng.random() < 0.05:
            events.append(ev(f"c{i}", "complaint", who, minute + 6))
    events.append(ev("cost1", "cost", "system", 60, category="advertising", amount_fen=123_456))
    events.append(ev("csat1", "csat", "buyer001", 61, score=4))
    events.append(ev("csat2", "csat", "buyer002", 62, score=5))
    return events, paid


@pytest.mark.req("R3.4.1")
@pytest.mark.req("R3.1.3")
@pytest.mark.parametrize("seed", [1, 2])
def test_kpis_reconcile_exactly_with_the_source_events(store: EventStore, seed: int) -> None:
    events, paid = orders_fixture(seed)
    for chunk in range(0, len(events), 1000):
        events_ingest(events=events[chunk : chunk + 1000])
    report = metrics.kpi_report(start=START, end=START + timedelta(days=6))
    values = {m["key"]: m for m in report["metrics"]}
    lo, hi = metrics.period_bounds(START, START + timedelta(days=6))
    from mallops.analytics.selectors import instant

    current = [o for o in paid if lo <= instant(o["timestamp"], "t") < hi]
    previous = [o for o in paid if instant(o["timestamp"], "t") < lo]
    gmv = sum(o["properties"]["amount_fen"] for o in current)
    assert values["gmv_fen"]["value"] == gmv
    assert values["gmv_fen"]["previous"] == sum(o["properties"]["amount_fen"] for o in previous)
    assert values["orders"]["value"] == len(current)
    per_buyer = Counter(o["distinct_id"] for o in current)
    assert values["buyers"]["value"] == len(per_buyer)
    assert values["repurchase_rate"]["value"] == sum(1 for n in per_buyer.values() if n > 1) / len(per_buyer)
    assert values["aov_fen"]["value"] == (2 * gmv + len(current)) // (2 * len(current))
    assert values["cost_advertising_fen"]["value"] == 123_456
    assert values["csat"]["value"] == 4.5
    prev_gmv = values["gmv_fen"]["previous"]
    assert values["gmv_fen"]["change"] == pytest.approx((gmv - prev_gmv) / prev_gmv)
    # the daily series adds up to the period figure
    assert sum(point["value"] for point in report["series"]["gmv_fen"]) == gmv
    assert sum(point["value"] for point in report["series"]["orders"]) == len(current)


@pytest.mark.req("R1.4.2")
def test_campaign_report_participation_cost_gmv_roi(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("j1", "campaign_join", "a", 0, campaign="spring"),
            ev("j2", "campaign_join", "b", 0, campaign="spring"),
            ev("j3", "campaign_join", "c", 0, campaign="spring"),
            ev(
                "p1",
                "order_paid",
                "a",
                5,
                order_id="1",
                amount_fen=10_000,
                discount_fen=2_000,
                campaign="spring",
            ),
            ev(
                "p2",
                "order_paid",
                "a",
                6,
                order_id="2",
                amount_fen=5_000,
                discount_fen=1_000,
                campaign="spring",
            ),
            ev("p3", "order_paid", "d", 7, order_id="3", amount_fen=3_000, discount_fen=0, campaign="spring"),
            ev("p4", "order_paid", "b", 8, order_id="4", amount_fen=9_999, discount_fen=0),
        ]
    )
    viewer = ApiClient(token=token_for(make_staff("product_ops")))
    body = viewer.get_json(f"/api/v1/analytics/campaigns?start={START}&end={START}").json()
    (spring,) = body["campaigns"]
    assert spring == {
        "campaign": "spring",
        "participants": 3,
        "orders": 3,
        "buyers": 2,
        "conversion_rate": 1 / 3,
        "gmv_fen": 18_000,
        "discount_cost_fen": 3_000,
        "roi": 5.0,
    }


@pytest.mark.req("R3.4.2")
def test_kpi_api_and_finding_becomes_a_task(store: EventStore) -> None:
    events_ingest(events=[ev("p1", "order_paid", "a", 0, order_id="1", amount_fen=100)])
    user = make_staff("data_ops")
    client = ApiClient(token=token_for(user))
    body = client.get_json(f"/api/v1/analytics/kpis?start={START}&end={START}").json()
    assert {m["key"] for m in body["metrics"]} == {m.key for m in metrics.METRICS}
    response = client.post_json(
        "/api/v1/analytics/tasks",
        {
            "title": "Complaint rate up 30 %",
            "team": "cs",
            "metric": "complaint_rate",
            "finding": {"change": 0.3},
        },
    )
    assert response.status_code == 201
    task = Task.objects.get(pk=response.json()["id"])
    assert task.team == "cs" and task.created_by == user and task.finding == {"change": 0.3}
    assert AuditEvent.objects.filter(action="analytics.task_create").count() == 1
    bad = client.post_json("/api/v1/analytics/tasks", {"title": "", "team": "nobody"})
    assert bad.status_code == 422 and len(bad.json()["errors"]) == 2
    assert T0.year == 2026
