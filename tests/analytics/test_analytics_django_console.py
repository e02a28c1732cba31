"""Console pages: dashboard with SVG charts and period-over-period, live panel, funnel, retention, A/B, insights."""

from __future__ import annotations

import pytest
from analytics_django_support import ev, store
from django.test import Client

from mallops.analytics.models import Task
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db
__all__ = ["store"]


def signed_in(*roles: str) -> Client:
    client = Client()
    client.force_login(make_staff(*roles))
    return client


@pytest.mark.req("R3.3.2")
def test_dashboard_shows_kpis_with_charts_and_live_panel_refreshes(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("p1", "order_paid", "a", 0, order_id="1", amount_fen=12_345),
            ev("v1", "page_view", "a", -1),
        ]
    )
    client = signed_in("data_ops")
    page = client.get("/analytics/?start=2026-03-02&end=2026-03-02")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") >= 4 and "<polyline" in html and "<rect" in html
    assert 'data-metric="gmv_fen"' in html and "¥123.45" in html
    live = client.get("/analytics/live/").content.decode()
    assert '<meta http-equiv="refresh" content="60">' in live and "<svg" in live


@pytest.mark.req("R3.4.2")
def test_task_form_creates_a_task(store: EventStore) -> None:
    client = signed_in("user_ops")
    response = client.post(
        "/analytics/tasks/new", {"title": "Repurchase fell", "team": "user_ops", "metric": "repurchase_rate"}
    )
    assert response.status_code == 302
    assert Task.objects.get().metric == "repurchase_rate"


@pytest.mark.req("R3.2.4")
def test_funnel_retention_experiment_and_insight_pages(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("1", "signup", "a", 0),
            ev("2", "page_view", "a", 1),
            ev("3", "order_paid", "a", 2, order_id="1", amount_fen=5, items=[{"spu": "S1", "qty": 1}]),
        ]
    )
    client = signed_in("data_ops")
    funnel = client.get(
        "/analytics/funnel/",
        {
            "step_1": "signup",
            "step_2": "page_view",
            "step_3": "order_paid",
            "window_value": "1",
            "window_unit": "hour",
            "start": "2026-03-02",
            "end": "2026-03-02",
        },
    ).content.decode()
    assert 'data-echarts="funnel-chart-option"' in funnel and "支付订单" in funnel
    retention = client.get(
        "/analytics/retention/",
        {
            "start_event": "signup",
            "return_event": "order_paid",
            "periods": "3",
            "start": "2026-03-01",
            "end": "2026-03-03",
        },
    ).content.decode()
    assert "2026-03-02" in retention and "100.0%" in retention
    assert client.get("/analytics/experiments/").status_code == 200
    insights = client.get("/analytics/insights/").content.decode()
    assert "S1" in insights and "衰退期" in insights  # nothing sold since March
    bad = client.get("/analytics/funnel/", {"step_1": "nope", "window_value": "1", "start": "yesterday"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_pages_need_analytics_view(store: EventStore) -> None:
    client = signed_in("listing_reviewer")
    for path in ("/analytics/", "/analytics/live/", "/analytics/funnel/", "/analytics/insights/"):
        assert client.get(path).status_code == 403


def test_jobs_page_queues_and_cancels(store: EventStore) -> None:
    from mallops.analytics.models import QueryJob

    client = signed_in("data_ops")
    assert (
        client.post(
            "/analytics/jobs/", {"kind": "kpis", "start": "2026-03-01", "end": "2026-03-02"}
        ).status_code
        == 302
    )
    job = QueryJob.objects.get()
    page = client.get("/analytics/jobs/").content.decode()
    assert 'http-equiv="refresh"' in page and f'value="{job.pk}"' in page
    client.post("/analytics/jobs/", {"cancel": job.pk})
    job.refresh_from_db()
    assert job.status == "cancelled"


@pytest.mark.req("R3.2.7")
def test_experiment_form_needs_manage_and_starts_an_experiment(store: EventStore) -> None:
    from mallops.analytics.models import Experiment

    form = {
        "key": "banner-test",
        "title": "Banner",
        "variant": ["control", "big_banner"],
        "weight": ["50", "50"],
        "metric_event": "order_paid",
        "guardrails": "refund",
    }
    assert signed_in("user_ops").post("/analytics/experiments/", form).status_code == 403
    manager = signed_in("data_ops")
    response = manager.post("/analytics/experiments/", form)
    assert response.status_code == 302 and response["Location"].endswith("?key=banner-test")
    experiment = Experiment.objects.get(key="banner-test")
    assert experiment.variants == [{"key": "control", "weight": 50}, {"key": "big_banner", "weight": 50}]
    assert experiment.guardrails == ["refund"]
    page = manager.get(response["Location"]).content.decode()
    assert "Banner" in page and "新建实验" in page  # the console speaks Chinese by default
