"""Query API: funnel and retention equal the store engine (= the CLI), paths, descriptive statistics."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pytest
from analytics_django_support import T0, ev, iso, store
from scipy import stats as scipy_stats

from mallops.analytics import selectors
from mallops.analytics.funnel_timing import funnel_timing
from mallops.analytics.services import events_ingest
from mallops.analytics.store.engine import funnel, retention
from mallops.analytics.store.queries import FunnelSpec, RetentionSpec
from mallops.analytics.store.store import EventStore
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]
STEPS = ["view", "cart", "checkout", "pay", "review"]
DAY = 24 * 60


def random_events(seed: int, users: int = 60) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for u in range(users):
        minute = rng.uniform(0, 3 * 24 * 60)
        for _ in range(rng.randint(1, 12)):
            minute += rng.expovariate(1 / 90)
            events.append(ev(f"s{seed}-{len(events)}", rng.choice(STEPS), f"buyer{u:03d}", minute))
    return events


def viewer() -> ApiClient:
    return ApiClient(token=token_for(make_staff("data_ops")))


@pytest.mark.req("R3.2.4")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_funnel_api_equals_the_store_engine(store: EventStore, seed: int) -> None:
    events_ingest(events=random_events(seed))
    params = {"steps": "view,cart,checkout,pay", "window": "7200", "from": iso(60), "to": iso(2 * 24 * 60)}
    body = viewer().get_json("/api/v1/analytics/funnel?" + urlencode(params)).json()
    spec = FunnelSpec(
        tuple(params["steps"].split(",")),
        7_200_000_000,
        selectors.instant(params["from"], "f"),
        selectors.instant(params["to"], "t"),
    )
    expected = funnel(store, spec).as_dict()["steps"]
    assert [{"event": s["event"], "users": s["users"]} for s in body["steps"]] == expected
    # the identity-resolving reader gives the same counts when no alias is in play
    assert selectors._resolved_funnel_counts(spec, {}) == [step["users"] for step in expected]
    first = expected[0]["users"]
    assert body["steps"][-1]["conversion"] == (expected[-1]["users"] / first if first else None)


@pytest.mark.req("R3.2.2")
@pytest.mark.parametrize("seed", [4, 5])
def test_retention_api_equals_the_store_engine(store: EventStore, seed: int) -> None:
    events_ingest(events=random_events(seed))
    params = {
        "start_event": "view",
        "return_event": "pay",
        "periods": "3",
        "from": iso(0),
        "to": iso(2 * 24 * 60),
    }
    body = viewer().get_json("/api/v1/analytics/retention?" + urlencode(params)).json()
    spec = RetentionSpec(
        "view", "pay", 3, selectors.instant(params["from"], "f"), selectors.instant(params["to"], "t")
    )
    expected = retention(store, spec).as_dict()["cohorts"]
    assert [{k: c[k] for k in ("date", "size", "retained")} for c in body["cohorts"]] == expected
    assert expected, "the random data must produce cohorts"


@pytest.mark.req("R3.2.6")
def test_paths_show_before_after_and_exit_nodes(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("1", "home", "a", 0),
            ev("2", "view", "a", 1),
            ev("3", "cart", "a", 2),
            ev("4", "pay", "a", 3),
            ev("5", "search", "b", 0),
            ev("6", "view", "b", 1),
            ev("7", "home", "c", 0),
            ev("8", "view", "c", 1),
            ev("9", "cart", "c", 2),
        ]
    )
    params = {"event": "view", "from": iso(-1), "to": iso(60), "depth": "2"}
    body = viewer().get_json("/api/v1/analytics/paths?" + urlencode(params)).json()
    assert body["users"] == 3
    assert body["before"] == [
        {"path": ["$start", "home"], "users": 2},
        {"path": ["$start", "search"], "users": 1},
    ]
    assert body["after"] == [
        {"path": ["$exit"], "users": 1},
        {"path": ["cart", "$exit"], "users": 1},
        {"path": ["cart", "pay"], "users": 1},
    ]
    assert body["next"] == [{"event": "cart", "users": 2}, {"event": "$exit", "users": 1}]
    exits = {row["event"]: row for row in body["exit_nodes"]}
    assert exits["view"] == {"event": "view", "users": 3, "exits": 1, "exit_rate": 1 / 3}
    assert exits["cart"]["exits"] == 1 and exits["pay"]["exits"] == 1


@pytest.mark.req("R3.1.4")
def test_stats_match_numpy_and_scipy(store: EventStore) -> None:
    rng = random.Random(9)
    events = []
    prices, quantities = [], []
    for i in range(200):
        price = rng.randint(100, 100_000)
        quantity = rng.randint(1, 5) + price // 30_000
        prices.append(price)
        quantities.append(quantity)
        events.append(ev(f"o{i}", "order_paid", f"b{i}", i, amount_fen=price, quantity=quantity, note="x"))
    events.append(ev("odd", "order_paid", "b", 1, amount_fen="not a number"))
    events_ingest(events=events)
    params = {"event": "order_paid", "properties": "amount_fen,quantity", "from": iso(-1), "to": iso(10_000)}
    body = viewer().get_json("/api/v1/analytics/stats?" + urlencode(params)).json()
    amount = body["properties"]["amount_fen"]
    assert amount["count"] == 200
    assert amount["mean"] == pytest.approx(np.mean(prices), rel=1e-12)
    assert amount["median"] == pytest.approx(np.median(prices), rel=1e-12)
    assert amount["std"] == pytest.approx(np.std(prices, ddof=1), rel=1e-12)
    (pair,) = body["correlation"]
    assert pair["pairs"] == 200
    assert pair["pearson"] == pytest.approx(scipy_stats.pearsonr(prices, quantities).statistic, rel=1e-9)
    assert T0.tzinfo is not None


@pytest.mark.req("R3.2.4")
@pytest.mark.parametrize("seed", [6, 7, 8])
def test_time_to_convert_counts_the_same_users_as_the_engine(store: EventStore, seed: int) -> None:
    events_ingest(events=random_events(seed))
    # repeated step names exercise the distinct-event rule
    for steps in (("view", "cart", "checkout", "pay"), ("view", "view", "pay"), ("cart", "view", "cart")):
        spec = FunnelSpec(
            steps, 3 * 3_600_000_000, selectors.instant(iso(0), "f"), selectors.instant(iso(2 * DAY), "t")
        )
        body = selectors.funnel_report(spec, resolve_identity=False, timing=True)
        expected = [step["users"] for step in funnel(store, spec).as_dict()["steps"]]
        assert [step["users"] for step in body["steps"]] == expected
        timing = funnel_timing(selectors._funnel_rows(spec, {}), spec)
        assert [t.users for t in timing] == expected
        for step, t in zip(body["steps"], timing, strict=True):
            assert step["median_seconds"] == t.median_s
            if t.median_s is not None:
                assert 0 <= t.median_s <= 3 * 3600


def test_time_to_convert_of_a_known_journey(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("1", "view", "a", 0),
            ev("2", "cart", "a", 2),
            ev("3", "view", "a", 5),
            ev("4", "pay", "a", 6),
            ev("5", "view", "b", 0),
            ev("6", "cart", "b", 10),
            ev("7", "pay", "b", 30),
        ]
    )
    spec = FunnelSpec(
        ("view", "cart", "pay"),
        3_600_000_000,
        selectors.instant(iso(-1), "f"),
        selectors.instant(iso(60), "t"),
    )
    steps = selectors.funnel_report(spec, resolve_identity=False, timing=True)["steps"]
    assert [s["users"] for s in steps] == [2, 2, 2]
    assert [s["median_seconds"] for s in steps] == [0.0, 360.0, 1080.0]  # a: 2 and 6 min, b: 10 and 30 min
    assert steps[2]["mean_seconds"] == 1080.0


def test_out_of_range_inputs_answer_422_not_500(store: EventStore) -> None:
    client = viewer()
    far = {
        "steps": "a",
        "window": "60",
        "from": "9999-12-31T00:00:00+14:00",
        "to": "9999-12-31T23:59:59-12:00",
    }
    assert client.get_json("/api/v1/analytics/funnel?" + urlencode(far)).status_code == 422
    huge = {"steps": "a", "window": "1e300", "from": iso(0), "to": iso(1)}
    assert client.get_json("/api/v1/analytics/funnel?" + urlencode(huge)).status_code == 422
    assert client.get_json("/api/v1/analytics/kpis?start=0001-01-01&end=0001-01-02").status_code == 422
    assert client.get_json("/api/v1/analytics/kpis?start=2026-03-02&end=2026-03-01").status_code == 422
    assert client.get_json("/api/v1/analytics/lifecycle?as_of=9999-12-31").status_code == 422
    assert client.get_json(f"/api/v1/analytics/jobs/{2**70}").status_code in (404, 422)
    bad_job = client.post_json("/api/v1/analytics/jobs", {"kind": "funnel", "params": {"window": [1]}})
    assert bad_job.status_code == 422
