"""The ClickHouse backend (through chdb, the same engine in process) answers as the embedded store does."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from helpers_analytics import ROOT, RUNNER, write_ndjson

from mallops.analytics import funnel, ingest_events, open_store, retention
from mallops.analytics.store.clickhouse import ChdbExecutor, ClickHouseBackend, backend_from_env
from mallops.analytics.store.events import parse_timestamp
from mallops.analytics.store.queries import FunnelSpec, RetentionSpec

STEPS = ("view", "cart", "pay")
BASE = datetime(2026, 11, 1, tzinfo=UTC)


def _events(seed: int, users: int = 60) -> list[dict]:
    rng = random.Random(seed)
    events = []
    for n in range(users):
        t = BASE + timedelta(hours=rng.randrange(0, 24 * 6), seconds=rng.randrange(3600))
        for step in STEPS:
            if rng.random() < 0.75:
                events.append(
                    {
                        "uuid": f"{seed}-{n}-{step}-{len(events)}",
                        "event": step,
                        "distinct_id": f"u{n}",
                        "timestamp": t.isoformat().replace("+00:00", "Z"),
                    }
                )
                t += timedelta(minutes=rng.randrange(0, 90))
    return events


@pytest.mark.req("R1.1.1")
@pytest.mark.req("R3.2.4")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clickhouse_backend_matches_the_embedded_engine(tmp_path, seed):
    events = _events(seed)
    embedded = open_store(tmp_path / "embedded")
    production = open_store(tmp_path / "spool")
    assert ingest_events(embedded, events).ingested == len(events)
    assert ingest_events(production, events).ingested == len(events)
    # a replayed batch is deduplicated before it reaches ClickHouse
    assert ingest_events(production, events[:10]).duplicates == 10
    embedded.load()
    backend = ClickHouseBackend(ChdbExecutor(str(tmp_path / "chdb")))
    assert backend.load_from(production) == len(events)
    assert backend.load_from(production) == 0

    spec = FunnelSpec(
        steps=STEPS,
        window_us=3600 * 10**6,
        from_us=parse_timestamp("2026-11-01T00:00:00Z"),
        to_us=parse_timestamp("2026-11-08T00:00:00Z"),
    )
    assert backend.funnel(spec) == funnel(embedded, spec)
    cohorts = RetentionSpec(
        start_event="view", return_event="pay", periods=3, from_us=spec.from_us, to_us=spec.to_us
    )
    assert backend.retention(cohorts) == retention(embedded, cohorts)


def test_backend_is_chosen_by_clickhouse_url(tmp_path):
    assert backend_from_env({}) is None
    backend = backend_from_env({"CLICKHOUSE_URL": f"chdb://{tmp_path / 'db'}"})
    assert isinstance(backend, ClickHouseBackend)


def _copy(uuid: str, event: str, who: str, node: str) -> dict:
    return {
        "uuid": uuid,
        "event": event,
        "distinct_id": who,
        "timestamp": "2026-11-02T10:00:00Z",
        "properties": {"node": node},
    }


@pytest.mark.req("R3.1.1")
@pytest.mark.parametrize("first_loader", ["a", "b"])
def test_first_stored_uuid_wins_across_ingest_nodes(tmp_path, first_loader):
    """Two ingest nodes (own spools) accept copies of the same uuids with different content; whichever
    loads first, ClickHouse keeps the copy accepted first, in queries (FINAL) and after merges."""
    node_a = open_store(tmp_path / "a")
    node_b = open_store(tmp_path / "b")
    assert (
        ingest_events(node_a, [_copy("x1", "view", "ann", "a"), _copy("x2", "view", "ann", "a")]).ingested
        == 2
    )
    assert (
        ingest_events(node_b, [_copy("x1", "cart", "bob", "b"), _copy("x3", "view", "bob", "b")]).ingested
        == 2
    )
    assert ingest_events(node_a, [_copy("x3", "cart", "ann", "a")]).ingested == 1  # b had it first
    backend = ClickHouseBackend(ChdbExecutor(str(tmp_path / "chdb")))
    try:
        nodes = {"a": node_a, "b": node_b}
        for name in (first_loader, "b" if first_loader == "a" else "a"):
            assert backend.load_from(nodes[name]) > 0
        expected = [
            ["x1", "view", "ann", '{"node":"a"}'],
            ["x2", "view", "ann", '{"node":"a"}'],
            ["x3", "view", "bob", '{"node":"b"}'],
        ]
        columns = "uuid, event, distinct_id, properties"
        assert backend.executor.rows(f"SELECT {columns} FROM {backend.source} ORDER BY uuid") == expected
        spec = FunnelSpec(
            steps=("view", "cart"),
            window_us=3600 * 10**6,
            from_us=parse_timestamp("2026-11-02T00:00:00Z"),
            to_us=parse_timestamp("2026-11-03T00:00:00Z"),
        )
        assert [step.users for step in backend.funnel(spec).steps] == [2, 0]
        backend.executor.command(f"OPTIMIZE TABLE {backend.table} FINAL")
        assert backend.executor.rows(f"SELECT {columns} FROM {backend.table} ORDER BY uuid") == expected
    finally:
        backend.executor.close()


def _cli(env_extra: dict, *args: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "CLICKHOUSE_URL"}
    env.update({"PYTHONPATH": str(ROOT / "src"), **env_extra})
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.req("R3.2.4")
def test_cli_uses_clickhouse_when_configured_and_answers_as_the_embedded_store(tmp_path):
    events = _events(7)
    source = write_ndjson(tmp_path / "events.ndjson", events + events[:5])
    clickhouse = {"CLICKHOUSE_URL": f"chdb://{tmp_path / 'chdb'}", "MALLOPS_DATA_DIR": str(tmp_path / "data")}
    embedded = ["--store", str(tmp_path / "embedded")]
    counts = {"ingested": len(events), "duplicates": 5, "rejected": 0, "errors": []}
    assert _cli(clickhouse, "ingest", str(source)) == counts
    assert _cli({}, "ingest", *embedded, str(source)) == counts
    assert (tmp_path / "chdb").exists()
    assert not list((tmp_path / "data").glob("analytics/events/*/*.parquet"))  # loaded into ClickHouse
    window = ["--from", "2026-11-01T00:00:00+08:00", "--to", "2026-11-08T00:00:00+08:00"]
    funnel_args = ["funnel", "--steps", "view,cart,pay", "--window", "3600", *window]
    on_clickhouse = _cli(clickhouse, *funnel_args)
    assert on_clickhouse == _cli({}, funnel_args[0], *embedded, *funnel_args[1:])
    assert on_clickhouse["steps"][0]["users"] > 0
    retention_args = [
        "retention",
        "--start-event",
        "view",
        "--return-event",
        "pay",
        "--periods",
        "3",
        *window,
    ]
    assert _cli(clickhouse, *retention_args) == _cli({}, retention_args[0], *embedded, *retention_args[1:])
    assert _cli(clickhouse, "load") == {"loaded": 0}
