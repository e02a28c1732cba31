"""RFM segments, churn-risk model and product lifecycle (R3.2.5, R3.2.8, R2.4.1, R2.4.2)."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from analytics_django_support import ev, store
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.analytics import churn, lifecycle, rfm
from mallops.analytics.models import ModelRun, SegmentMember
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

__all__ = ["store"]
DAY = 24 * 60


@pytest.mark.req("R3.2.5")
@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=80))
def test_quintile_scores_are_monotone_and_tie_stable(values: list[int]) -> None:
    scores = rfm.quintile_scores(values)
    assert all(1 <= s <= 5 for s in scores)
    for a, sa in zip(values, scores, strict=True):
        for b, sb in zip(values, scores, strict=True):
            if a < b:
                assert sa <= sb
            if a == b:
                assert sa == sb
    reverse = rfm.quintile_scores(values, higher_is_better=False)
    assert all(
        (a < b) <= (ra >= rb)
        for a, ra in zip(values, reverse, strict=True)
        for b, rb in zip(values, reverse, strict=True)
    )


@pytest.mark.req("R3.2.5")
def test_rfm_tags() -> None:
    assert rfm.tag_of(5, 5, 5) is rfm.Tag.HIGH_VALUE
    assert rfm.tag_of(1, 1, 3) is rfm.Tag.CHURNED
    assert rfm.tag_of(2, 4, 4) is rfm.Tag.AT_RISK
    assert rfm.tag_of(5, 1, 2) is rfm.Tag.POTENTIAL
    assert rfm.tag_of(3, 3, 3) is rfm.Tag.REGULAR


@pytest.mark.req("R3.2.5")
@pytest.mark.django_db
def test_segments_refresh_from_order_events(store: EventStore) -> None:
    events = []
    for i in range(50):  # buyer i: i orders... recent ones for high numbers
        for k in range(i % 6 + 1):
            events.append(
                ev(
                    f"o{i}-{k}",
                    "order_paid",
                    f"b{i:02d}",
                    -(50 - i) * DAY + k,
                    order_id=f"{i}-{k}",
                    amount_fen=1000 * (i + 1),
                )
            )
    events_ingest(events=events)
    manager = ApiClient(token=token_for(make_staff("data_ops")))
    body = manager.post_json("/api/v1/analytics/segments/refresh?as_of=2026-03-02", {}).json()
    assert sum(body["tags"].values()) == 50 == SegmentMember.objects.count()
    top = SegmentMember.objects.get(distinct_id="b47")  # recent, 6 orders, high spend
    assert (top.recency_days, top.frequency, top.monetary_fen) == (3, 6, 6 * 48_000)
    assert top.tag == "high_value"
    assert SegmentMember.objects.get(distinct_id="b00").tag == "churned"
    summary = manager.get_json("/api/v1/analytics/segments").json()
    assert summary["computed_on"] == "2026-03-02" and summary["source"] == "events"


@pytest.mark.req("R3.2.8")
def test_churn_model_beats_the_logistic_baseline_on_a_known_nonlinear_signal() -> None:
    rng = np.random.default_rng(11)
    n = 1200
    matrix = np.zeros((n, len(churn.FEATURES)))
    matrix[:, 0] = rng.uniform(0, 60, n)  # recency_days carries the signal: a middle band churns
    matrix[:, 1:] = rng.poisson(3, size=(n, len(churn.FEATURES) - 1))  # noise features
    labels = ((matrix[:, 0] > 15) & (matrix[:, 0] < 40)).astype(np.int64)
    flip = rng.random(n) < 0.08
    labels[flip] = 1 - labels[flip]
    result = churn.train(matrix, labels, seed=1)
    assert result.model_auc > 0.85
    assert result.model_auc > result.baseline_auc + 0.1
    assert result.top_features[0][0] == "recency_days"
    assert result.test_size == 300


@pytest.mark.req("R3.2.8")
@pytest.mark.django_db
def test_churn_training_on_events_shows_auc_and_features(store: EventStore) -> None:
    rng = random.Random(5)
    events = []
    for u in range(160):
        loyal = rng.random() < 0.5
        last = -20 * DAY if loyal else -rng.uniform(16, 40) * DAY  # minutes relative to T0
        for k in range(rng.randint(2, 8)):
            minute = last - rng.uniform(0, 30) * DAY
            events.append(ev(f"u{u}-{k}", "page_view", f"b{u}", minute))
        events.append(ev(f"u{u}-last", "page_view", f"b{u}", last))
        if loyal:  # comes back within the horizon after the cut-off (as_of - 14 days)
            events.append(ev(f"u{u}-back", "order_paid", f"b{u}", -5 * DAY, order_id=str(u), amount_fen=100))
    for chunk in range(0, len(events), 1000):
        events_ingest(events=events[chunk : chunk + 1000])
    manager = ApiClient(token=token_for(make_staff("data_ops")))
    body = manager.post_json("/api/v1/analytics/churn/train?as_of=2026-03-02&horizon_days=14", {}).json()
    assert body["model_auc"] > 0.8
    assert {
        "model_auc",
        "baseline_auc",
        "top_features",
        "baseline_coefficients",
        "highest_risk",
    } <= body.keys()
    assert ModelRun.objects.filter(kind="churn").count() == 1
    assert manager.get_json("/api/v1/analytics/churn").json()["id"] == body["id"]


@pytest.mark.req("R2.4.1")
@pytest.mark.req("R2.4.2")
@pytest.mark.parametrize(
    ("curve", "stage"),
    [
        ([3, 4, 5, 6, 5, 7, 8], lifecycle.Stage.INTRODUCTION),
        ([d for d in range(1, 31)], lifecycle.Stage.GROWTH),
        ([20 + (d % 3) for d in range(40)], lifecycle.Stage.MATURITY),
        ([max(0, 40 - d) for d in range(40)], lifecycle.Stage.DECLINE),
    ],
)
def test_lifecycle_stage_from_the_sales_curve(curve: list[int], stage: lifecycle.Stage) -> None:
    result = lifecycle.classify(curve)
    assert result.stage is stage
    assert result.actions == lifecycle.ACTIONS[stage]


@pytest.mark.req("R2.4.1")
@pytest.mark.django_db
def test_lifecycle_report_per_spu(store: EventStore) -> None:
    events = []
    for d in range(30):
        events.append(
            ev(
                f"g{d}",
                "order_paid",
                "b1",
                -(29 - d) * DAY,
                order_id=f"g{d}",
                amount_fen=100,
                items=[{"spu": "SPU-G", "qty": d + 1, "amount_fen": 100}],
            )
        )
        events.append(
            ev(
                f"x{d}",
                "order_paid",
                "b2",
                -(29 - d) * DAY,
                order_id=f"x{d}",
                amount_fen=100,
                items=[{"spu": "SPU-D", "qty": 31 - d, "amount_fen": 100}],
            )
        )
    events_ingest(events=events)
    viewer = ApiClient(token=token_for(make_staff("product_ops")))
    body = viewer.get_json(f"/api/v1/analytics/lifecycle?as_of={date(2026, 3, 2)}").json()
    stages = {p["spu"]: p["stage"] for p in body["products"]}
    assert stages == {"SPU-D": "decline", "SPU-G": "growth"}
    assert body["stages"]["growth"] == 1
