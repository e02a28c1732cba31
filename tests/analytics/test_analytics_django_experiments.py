"""A/B tests end to end: create, assign with exposure logging, results with SRM and guard-rails (R3.2.7)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from analytics_django_support import T0, ev, store
from scipy import stats as sp

from mallops.analytics.models import Experiment, ExperimentExposure
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]


def create(client: ApiClient, **extra: object) -> dict[str, object]:
    body = {
        "key": "checkout-v2",
        "title": "One-page checkout",
        "variants": [{"key": "control", "weight": 50}, {"key": "one_page", "weight": 50}],
        "metric_event": "order_paid",
        "value_property": "amount_fen",
        "guardrails": ["refund_requested"],
        **extra,
    }
    response = client.post_json("/api/v1/analytics/experiments", body)
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.req("R3.2.7")
def test_experiment_needs_manage_permission_and_valid_variants(store: EventStore) -> None:
    viewer = ApiClient(token=token_for(make_staff("user_ops")))
    body = {
        "key": "x",
        "variants": [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        "metric_event": "pay",
    }
    assert viewer.post_json("/api/v1/analytics/experiments", body).status_code == 403
    manager = ApiClient(token=token_for(make_staff("data_ops")))
    bad = manager.post_json(
        "/api/v1/analytics/experiments", {**body, "variants": [{"key": "a", "weight": 1}]}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "variants"]


@pytest.mark.req("R3.2.7")
def test_exposure_is_deterministic_and_logged_once(store: EventStore) -> None:
    create(ApiClient(token=token_for(make_staff("data_ops"))))
    public = ApiClient()
    first = public.post_json("/api/v1/experiments/checkout-v2/exposure", {"distinct_id": "buyer1"}).json()
    again = public.post_json("/api/v1/experiments/checkout-v2/exposure", {"distinct_id": "buyer1"}).json()
    assert first == again and first["variant"] in {"control", "one_page"}
    assert ExperimentExposure.objects.count() == 1
    assert public.post_json("/api/v1/experiments/nope/exposure", {"distinct_id": "b"}).status_code == 404


@pytest.mark.req("R3.2.7")
def test_results_match_scipy_and_guardrail_fails_when_refunds_rise(store: EventStore) -> None:
    manager = ApiClient(token=token_for(make_staff("data_ops")))
    create(manager)
    experiment = Experiment.objects.get(key="checkout-v2")
    experiment.started_at = T0
    experiment.save()
    rng = random.Random(3)
    public = ApiClient()
    events = []
    for i in range(400):
        who = f"buyer{i:04d}"
        variant = public.post_json("/api/v1/experiments/checkout-v2/exposure", {"distinct_id": who}).json()[
            "variant"
        ]
        ExperimentExposure.objects.filter(distinct_id=who).update(exposed_at=T0 + timedelta(minutes=i))
        spend_before = rng.randint(0, 20_000)
        events.append(ev(f"pre{i}", "order_paid", who, -60 * 24 * 3, amount_fen=spend_before))
        treated = variant == "one_page"
        if rng.random() < (0.45 if treated else 0.30):
            events.append(
                ev(f"pay{i}", "order_paid", who, i + 10, amount_fen=spend_before // 2 + rng.randint(0, 5000))
            )
        if rng.random() < (0.25 if treated else 0.05):
            events.append(ev(f"ref{i}", "refund_requested", who, i + 20))
    events_ingest(events=events)
    result = manager.get_json("/api/v1/analytics/experiments/checkout-v2/results").json()
    control, treatment = result["variants"]
    assert control["users"] + treatment["users"] == 400
    table = [
        [treatment["conversions"], treatment["users"] - treatment["conversions"]],
        [control["conversions"], control["users"] - control["conversions"]],
    ]
    _, p, _, _ = sp.chi2_contingency(table, correction=False)
    assert treatment["conversion_test"]["p_value"] == pytest.approx(p, rel=1e-6)
    assert treatment["value_test"]["p_value"] < 1.0
    # CUPED with the pre-period spend narrows the interval of the value difference
    plain, cuped = treatment["value_test"], treatment["value_test_cuped"]
    assert cuped["ci_high"] - cuped["ci_low"] < plain["ci_high"] - plain["ci_low"]
    assert result["cuped"]["variance_reduction"] > 0
    (guard,) = treatment["guardrails"]
    assert guard["event"] == "refund_requested" and guard["failed"] is True
    assert result["verdict"] == "stop: a guard-rail metric got worse"
    assert result["srm"]["mismatch"] is False


@pytest.mark.req("R3.2.7")
def test_results_flag_a_sample_ratio_mismatch(store: EventStore) -> None:
    manager = ApiClient(token=token_for(make_staff("data_ops")))
    create(manager, guardrails=[])
    experiment = Experiment.objects.get(key="checkout-v2")
    ExperimentExposure.objects.bulk_create(
        [
            ExperimentExposure(experiment=experiment, distinct_id=f"c{i}", variant="control", exposed_at=T0)
            for i in range(600)
        ]
        + [
            ExperimentExposure(experiment=experiment, distinct_id=f"t{i}", variant="one_page", exposed_at=T0)
            for i in range(400)
        ]
    )
    result = manager.get_json("/api/v1/analytics/experiments/checkout-v2/results").json()
    assert result["srm"]["mismatch"] is True
    assert result["verdict"] == "invalid: sample ratio mismatch"
