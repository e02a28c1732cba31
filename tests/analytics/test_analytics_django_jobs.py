"""Long queries in the background: progress, result, cancellation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from analytics_django_support import ev, store
from huey.contrib.djhuey import HUEY

from mallops.accounts.actors import actor_of
from mallops.analytics import jobs, metrics
from mallops.analytics.models import QueryJob
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]


@pytest.fixture
def immediate() -> Iterator[None]:
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def test_background_kpi_job_runs_to_completion(
    store: EventStore, immediate: None, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    events_ingest(events=[ev("p1", "order_paid", "a", 0, order_id="1", amount_fen=700)])
    client = ApiClient(token=token_for(make_staff("data_ops")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post_json(
            "/api/v1/analytics/jobs", {"kind": "kpis", "params": {"start": "2026-03-01", "end": "2026-03-03"}}
        )
    assert response.status_code == 202
    job = client.get_json(f"/api/v1/analytics/jobs/{response.json()['id']}").json()
    assert job["status"] == "done" and job["progress"] == 100
    assert [day["gmv_fen"] for day in job["result"]["days"]] == [0, 700, 0]
    bad = client.post_json("/api/v1/analytics/jobs", {"kind": "kpis", "params": {"start": "x"}})
    assert bad.status_code == 422
    assert client.post_json(f"/api/v1/analytics/jobs/{job['id']}/cancel", {}).status_code == 409


def test_cancelling_stops_a_running_job_between_steps(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_staff("data_ops")
    job = jobs.job_start(
        actor=actor_of(user), kind="kpis", params={"start": "2026-03-01", "end": "2026-03-10"}
    )
    calls = {"n": 0}
    real = metrics.compute

    def compute_then_cancel(facts: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # the user presses "cancel" while day 3 is computed
            jobs.job_cancel(actor=actor_of(user), job_id=job.pk)
        return real(facts)

    monkeypatch.setattr(metrics, "compute", compute_then_cancel)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == QueryJob.Status.CANCELLED and job.result is None
    assert calls["n"] == 3  # no further day was computed
    assert 0 < job.progress < 100


def test_cancelled_before_start_never_runs(store: EventStore) -> None:
    user = make_staff("data_ops")
    job = jobs.job_start(
        actor=actor_of(user),
        kind="funnel",
        params={
            "steps": "a,b",
            "window": 60,
            "from": "2026-03-01T00:00:00+08:00",
            "to": "2026-03-02T00:00:00+08:00",
        },
    )
    client = ApiClient(token=token_for(user))
    assert client.post_json(f"/api/v1/analytics/jobs/{job.pk}/cancel", {}).json()["status"] == "cancelled"
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == QueryJob.Status.CANCELLED and job.progress == 0
    other = ApiClient(token=token_for(make_staff("data_ops")))
    assert other.get_json(f"/api/v1/analytics/jobs/{job.pk}").status_code == 404
