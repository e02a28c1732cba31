"""With CLICKHOUSE_URL set, the query API and console read ClickHouse (chdb here) and answer exactly as the
embedded store does on the same events: funnel (with timing and identity), retention, paths, stats,
channels, KPIs, campaigns, lifecycle and A/B results."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from analytics_django_support import T0, ev, iso

from mallops.accounts.actors import actor_of
from mallops.analytics import querying
from mallops.analytics.services import events_ingest, experiment_create
from mallops.analytics.storage import reset_stores
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
DAY = 24 * 60
STEPS = ["page_view", "cart", "checkout", "order_paid"]


def events_fixture(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    sources = [
        {},
        {"utm_source": "baidu", "utm_medium": "cpc"},
        {"utm_source": "weibo", "utm_medium": "social"},
    ]
    for u in range(70):
        who = f"buyer{u:03d}"
        anon = f"anon-{u:03d}"
        minute = rng.uniform(-6 * DAY, 6 * DAY)
        if rng.random() < 0.3:  # browses anonymously, then signs in: one person (R4.1.3)
            events.append(ev(f"{seed}-a{u}", "page_view", anon, minute - 30, **rng.choice(sources)))
            identify = ev(f"{seed}-i{u}", "$identify", who, minute - 1, **{"$anon_distinct_id": anon})
            events.append(identify)
        for step, name in enumerate(STEPS):
            if step and rng.random() < 0.35:
                break
            minute += rng.expovariate(1 / 40)
            props: dict[str, Any] = dict(rng.choice(sources)) if step == 0 else {}
            if name == "order_paid":
                props = {
                    "order_id": f"O{seed}-{u}",
                    "amount_fen": rng.randint(100, 90_000),
                    "discount_fen": rng.randint(0, 500),
                    "campaign": rng.choice(["", "spring"]),
                    "items": [{"spu": f"SPU{rng.randint(1, 4)}", "qty": 1, "amount_fen": 100}],
                    "price": rng.uniform(1, 50),
                    "qty": rng.randint(1, 5),
                }
            events.append(ev(f"{seed}-{u}-{step}", name, who, minute, **props))
        if rng.random() < 0.2:
            events.append(ev(f"{seed}-j{u}", "campaign_join", who, minute - 60, campaign="spring"))
        if rng.random() < 0.1:
            events.append(ev(f"{seed}-s{u}", "signup", who, minute - 90))
    events.append(ev(f"{seed}-cost", "cost", "system", 60, category="advertising", amount_fen=50_000))
    return events


def requests_to_compare() -> list[str]:
    window = {"from": iso(-7 * DAY), "to": iso(7 * DAY)}
    funnel = {"steps": ",".join(STEPS), "window": "7200", **window}
    return [
        "/api/v1/analytics/funnel?" + urlencode({**funnel, "timing": "true"}),
        "/api/v1/analytics/funnel?" + urlencode({**funnel, "identity": "false"}),
        "/api/v1/analytics/retention?"
        + urlencode({"start_event": "page_view", "return_event": "order_paid", "periods": "4", **window}),
        "/api/v1/analytics/retention?"
        + urlencode(
            {
                "start_event": "page_view",
                "return_event": "cart",
                "periods": "2",
                "identity": "false",
                **window,
            }
        ),
        "/api/v1/analytics/paths?" + urlencode({"event": "cart", "depth": "2", **window}),
        "/api/v1/analytics/stats?" + urlencode({"event": "order_paid", "properties": "price,qty", **window}),
        "/api/v1/analytics/channels?" + urlencode(window),
        "/api/v1/analytics/kpis?start=2026-03-02&end=2026-03-07",
        "/api/v1/analytics/campaigns?start=2026-02-20&end=2026-03-10",
        "/api/v1/analytics/lifecycle?as_of=2026-03-08",
        "/api/v1/analytics/experiments/checkout/results",
    ]


@pytest.fixture
def backend_settings(settings: Any, tmp_path: Path) -> Iterator[Any]:
    reset_stores()
    querying.reset_backends()
    yield settings
    reset_stores()
    querying.reset_backends()


def answers(settings: Any, directory: Path, events: list[dict[str, Any]], clickhouse: str) -> list[Any]:
    settings.ANALYTICS_STORE_DIR = str(directory)
    settings.CLICKHOUSE_URL = clickhouse
    reset_stores()
    querying.reset_backends()
    result = events_ingest(events=events)
    assert result.rejected == 0
    client = ApiClient(token=token_for(make_staff("data_ops")))
    return [client.get_json(path).json() for path in requests_to_compare()]


@pytest.mark.req("R3.2.4")
@pytest.mark.req("R3.4.1")
@pytest.mark.parametrize("seed", [11, 12])
def test_query_api_on_clickhouse_equals_the_embedded_store(
    backend_settings: Any, tmp_path: Path, seed: int
) -> None:
    events = events_fixture(seed)
    admin = make_staff("platform_admin")
    experiment_create(
        actor=actor_of(admin),
        key="checkout",
        title="Checkout",
        variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        metric_event="order_paid",
        value_property="amount_fen",
        started_at=T0,
    )
    from mallops.analytics.models import Experiment
    from mallops.analytics.services import experiment_assign

    experiment = Experiment.objects.get(key="checkout")
    for u in range(0, 70, 2):
        experiment_assign(experiment=experiment, distinct_id=f"buyer{u:03d}")

    embedded = answers(backend_settings, tmp_path / "embedded", events, "")
    assert not (tmp_path / "chdb").exists()
    on_clickhouse = answers(backend_settings, tmp_path / "spool", events, f"chdb://{tmp_path / 'chdb'}")
    assert (tmp_path / "chdb").exists()  # the answers really came from ClickHouse
    assert not list((tmp_path / "spool").glob("events/*/*.parquet"))  # nothing was loaded into Parquet
    assert embedded[0]["steps"][0]["users"] > 0 and embedded[0]["identity_resolved"]
    for path, ours, theirs in zip(requests_to_compare(), embedded, on_clickhouse, strict=True):
        assert theirs == ours, path


def test_console_funnel_and_dashboard_read_clickhouse(
    backend_settings: Any, tmp_path: Path, client: Any
) -> None:
    events = events_fixture(13)
    backend_settings.ANALYTICS_STORE_DIR = str(tmp_path / "spool")
    backend_settings.CLICKHOUSE_URL = f"chdb://{tmp_path / 'chdb'}"
    events_ingest(events=events)
    assert querying.load() > 0
    backend = querying.clickhouse()
    assert backend is not None
    stored = backend.executor.rows(f"SELECT count() FROM {backend.table} FINAL")[0][0]
    assert int(stored) == len(events)
    staff = make_staff("data_ops")
    # the console form takes Beijing dates and a window in hours: the same funnel as the API's instants
    query = urlencode(
        {
            "steps": ",".join(STEPS),
            "window": "7200",
            "from": "2026-02-23T00:00:00+08:00",
            "to": "2026-03-10T00:00:00+08:00",
        }
    )
    form = {f"step_{i + 1}": step for i, step in enumerate(STEPS)}
    form |= {"window_value": "2", "window_unit": "hour", "start": "2026-02-23", "end": "2026-03-09"}
    client.force_login(staff)
    page = client.get("/analytics/funnel/?" + urlencode(form))
    assert page.status_code == 200
    api = ApiClient(token=token_for(staff)).get_json("/api/v1/analytics/funnel?timing=true&" + query).json()
    assert [
        {key: row[key] for key in step} for row, step in zip(page.context["rows"], api["steps"], strict=True)
    ] == api["steps"]
    assert len(page.context["rows"]) == len(STEPS)
    assert api["steps"][0]["users"] > 0
    dashboard = client.get("/analytics/?start=2026-03-02&end=2026-03-07")
    assert dashboard.status_code == 200
    kpis = ApiClient(token=token_for(staff)).get_json(
        "/api/v1/analytics/kpis?start=2026-03-02&end=2026-03-07"
    )
    shown = {tile["key"]: tile["value"] for tile in dashboard.context["tiles"]}
    assert shown == {metric["key"]: metric["value"] for metric in kpis.json()["metrics"]}
    assert shown["gmv_fen"] > 0
