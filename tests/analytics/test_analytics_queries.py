"""Funnels (R3.2.4) and retention (R3.2.2): CLI contract and both dialects against a slow oracle."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import oracle_analytics as oracle
import pytest
from helpers_analytics import chdb_rows, clickhouse_source, run_cli, stamp, write_ndjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.analytics import EventStore, FunnelSpec, RetentionSpec, funnel, ingest_events, retention
from mallops.analytics.store.engine import retention_result
from mallops.analytics.store.queries import clickhouse_funnel, retention_sql

BASE = 1_740_758_400_000_000  # 2025-03-01T00:00:00+08:00
SECOND = 1_000_000
DAY = 86_400 * SECOND
Events = list[tuple[str, str, int]]


def build_store(directory: Path, events: Events, offsets: list[int] | None = None, *, compact: bool = False):
    store = EventStore(directory)
    batch = [
        {
            "uuid": f"e{i}",
            "event": name,
            "distinct_id": user,
            "timestamp": stamp(ts, (offsets or [0])[i % len(offsets or [0])]),
        }
        for i, (user, name, ts) in enumerate(events)
    ]
    for start in range(0, len(batch), 7):  # several loads give several parts per day
        ingest_events(store, batch[start : start + 7])
        store.load()
    if compact:
        store.compact()
    return store


def chdb_funnel(store: EventStore, spec: FunnelSpec) -> list[int]:
    source = clickhouse_source(store)
    return [0] * len(spec.steps) if source is None else list(chdb_rows(clickhouse_funnel(spec, source))[0])


def chdb_retention(store: EventStore, spec: RetentionSpec) -> list[dict[str, object]]:
    source = clickhouse_source(store)
    if source is None:
        return []
    return retention_result(spec, chdb_rows(retention_sql(spec, source, "clickhouse"))).as_dict()["cohorts"]


# --- CLI contract -------------------------------------------------------------------------------------


@pytest.mark.req("R3.2.4")
def test_cli_funnel_lists_every_step_with_distinct_users(tmp_path: Path) -> None:
    events = [
        {"uuid": "1", "event": "view", "distinct_id": "a", "timestamp": "2025-03-01T10:00:00+08:00"},
        {"uuid": "2", "event": "order", "distinct_id": "a", "timestamp": "2025-03-01T02:00:00.000001Z"},
        {"uuid": "3", "event": "view", "distinct_id": "b", "timestamp": "2025-03-01T23:59:59.999999+08:00"},
        {"uuid": "4", "event": "order", "distinct_id": "b", "timestamp": "2025-03-02T00:01:00+08:00"},
        {"uuid": "5", "event": "pay", "distinct_id": "b", "timestamp": "2025-03-02T00:01:00+08:00"},
        {
            "uuid": "6",
            "event": "view",
            "distinct_id": "c",
            "timestamp": "2025-03-02T00:00:00+08:00",
        },  # outside
    ]
    source = write_ndjson(tmp_path / "events.ndjson", events)
    store = str(tmp_path / "store")
    assert run_cli("ingest", "--store", store, str(source)).returncode == 0

    result = run_cli(
        "funnel",
        "--store",
        store,
        "--steps",
        "view,order,pay,review",
        "--window",
        "3600",
        "--from",
        "2025-03-01T00:00:00+08:00",
        "--to",
        "2025-03-01T16:00:00Z",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "steps": [
            {"event": "view", "users": 2},
            {"event": "order", "users": 2},
            {"event": "pay", "users": 1},
            {"event": "review", "users": 0},
        ]
    }


@pytest.mark.req("R3.2.2")
def test_cli_retention_cohorts_by_shanghai_day(tmp_path: Path) -> None:
    events = [
        # a: first signup on 03-01 local (17:00Z on 02-28 is 01:00 on 03-01 in Shanghai), returns 0 and 2 days later
        {"uuid": "1", "event": "signup", "distinct_id": "a", "timestamp": "2025-02-28T17:00:00Z"},
        {"uuid": "2", "event": "buy", "distinct_id": "a", "timestamp": "2025-02-28T17:00:00Z"},
        {"uuid": "3", "event": "buy", "distinct_id": "a", "timestamp": "2025-03-03T09:00:00+08:00"},
        # b: buys before signing up the same day (not counted), then on the next day after --to
        {"uuid": "4", "event": "buy", "distinct_id": "b", "timestamp": "2025-03-01T08:00:00+08:00"},
        {"uuid": "5", "event": "signup", "distinct_id": "b", "timestamp": "2025-03-01T09:00:00+08:00"},
        {"uuid": "6", "event": "buy", "distinct_id": "b", "timestamp": "2025-03-04T09:00:00+08:00"},
        # c: cohort 03-03; d: signup outside the range
        {"uuid": "7", "event": "signup", "distinct_id": "c", "timestamp": "2025-03-03T23:00:00+08:00"},
        {"uuid": "8", "event": "signup", "distinct_id": "d", "timestamp": "2025-03-04T00:00:00+08:00"},
    ]
    source = write_ndjson(tmp_path / "events.ndjson", events)
    store = str(tmp_path / "store")
    assert run_cli("ingest", "--store", store, str(source)).returncode == 0

    def cohorts(periods: str, start: str, end: str) -> dict[str, object]:
        result = run_cli(
            "retention",
            "--start-event",
            "signup",
            "--return-event",
            "buy",
            "--periods",
            periods,
            "--from",
            start,
            "--to",
            end,
            "--store",
            store,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert cohorts("4", "2025-03-01T00:00:00+08:00", "2025-03-04T00:00:00+08:00") == {
        "cohorts": [
            {"date": "2025-03-01", "size": 2, "retained": [1, 0, 1, 1]},
            {"date": "2025-03-03", "size": 1, "retained": [0, 0, 0, 0]},
        ]
    }
    assert cohorts("2", "2025-03-05T00:00:00+08:00", "2025-03-06T00:00:00+08:00") == {"cohorts": []}


@pytest.mark.req("R3.2.4")
def test_cli_rejects_bad_arguments_with_exit_2(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    missing_offset = run_cli(
        "funnel",
        "--store",
        store,
        "--steps",
        "a,b",
        "--window",
        "60",
        "--from",
        "2025-03-01T00:00:00",
        "--to",
        "2025-03-02T00:00:00+08:00",
    )
    empty_step = run_cli(
        "funnel",
        "--store",
        store,
        "--steps",
        "a,,b",
        "--window",
        "60",
        "--from",
        "2025-03-01T00:00:00Z",
        "--to",
        "2025-03-02T00:00:00Z",
    )
    assert (missing_offset.returncode, missing_offset.stdout) == (2, "")
    assert (empty_step.returncode, empty_step.stdout) == (2, "")


# --- fixed edge cases ---------------------------------------------------------------------------------


EDGE_CASES = [
    # equal timestamps count in order; one event cannot serve two steps of the same name
    ([("u", "a", BASE)], ["a", "a"], 10, [1, 0]),
    ([("u", "a", BASE), ("u", "a", BASE)], ["a", "a"], 0, [1, 1]),
    ([("u", "b", BASE), ("u", "a", BASE)], ["a", "b"], 0, [1, 1]),
    # repeated name a,b,a needs a second a at or after b
    ([("u", "a", BASE), ("u", "b", BASE + 5)], ["a", "b", "a"], 10, [1, 1, 0]),
    ([("u", "a", BASE), ("u", "b", BASE + 5), ("u", "a", BASE + 5)], ["a", "b", "a"], 5, [1, 1, 1]),
    # window edge: exactly the window counts, one microsecond more does not
    ([("u", "a", BASE), ("u", "b", BASE + 60 * SECOND)], ["a", "b"], 60 * SECOND, [1, 1]),
    ([("u", "a", BASE), ("u", "b", BASE + 60 * SECOND + 1)], ["a", "b"], 60 * SECOND, [1, 0]),
    # a later start can be the one that fits the window
    ([("u", "a", BASE), ("u", "a", BASE + DAY - 10), ("u", "b", BASE + DAY - 9)], ["a", "b"], 1, [1, 1]),
    # only the first step must be in range; to is exclusive
    ([("u", "a", BASE + DAY - 1), ("u", "b", BASE + 2 * DAY)], ["a", "b"], 2 * DAY, [1, 1]),
    ([("u", "a", BASE + DAY), ("u", "b", BASE + DAY)], ["a", "b"], DAY, [0, 0]),
]


@pytest.mark.req("R3.2.4")
@pytest.mark.parametrize(("events", "steps", "window", "expected"), EDGE_CASES)
def test_funnel_edge_cases_in_both_dialects(
    tmp_path: Path, events: Events, steps: list[str], window: int, expected: list[int]
) -> None:
    spec = FunnelSpec(tuple(steps), window, BASE, BASE + DAY)
    store = build_store(tmp_path, events)
    assert oracle.funnel(events, steps, window, BASE, BASE + DAY) == expected
    assert [step.users for step in funnel(store, spec).steps] == expected
    assert chdb_funnel(store, spec) == expected


# --- property tests against the oracle -----------------------------------------------------------------

OFFSETS = [0, 1, 999_999, SECOND, 60 * SECOND, DAY - 1, DAY, DAY + 1, 2 * DAY + 7]
timestamps = st.builds(
    lambda base, jitter: BASE - SECOND + base + jitter,
    st.sampled_from(OFFSETS),
    st.sampled_from([0, 0, 1, 250_000]),
)
event_lists = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.sampled_from(["a", "b", "c"]), timestamps), max_size=14
)
ranges = st.tuples(
    st.sampled_from([BASE - SECOND, BASE, BASE + 1]), st.sampled_from([1, SECOND, DAY, DAY + 2, 3 * DAY])
)
zone_offsets = st.lists(st.sampled_from([0, 480, -330, 345]), min_size=1, max_size=3)
COMMON = settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.req("R3.2.4")
@COMMON
@given(
    events=event_lists,
    steps=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=4),
    window=st.sampled_from([0, 1, SECOND - 1, SECOND, 60 * SECOND, DAY, DAY + 1, 2 * DAY]),
    bounds=ranges,
    zones=zone_offsets,
    compact=st.booleans(),
)
def test_funnel_matches_oracle_in_both_dialects(
    events: Events, steps: list[str], window: int, bounds: tuple[int, int], zones: list[int], compact: bool
) -> None:
    start, length = bounds
    spec = FunnelSpec(tuple(steps), window, start, start + length)
    expected = oracle.funnel(events, steps, window, start, start + length)
    with tempfile.TemporaryDirectory() as directory:
        store = build_store(Path(directory), events, zones, compact=compact)
        assert [step.users for step in funnel(store, spec).steps] == expected
        assert chdb_funnel(store, spec) == expected
        store.close()


@pytest.mark.req("R3.2.2")
@COMMON
@given(
    events=event_lists,
    periods=st.integers(min_value=1, max_value=4),
    bounds=ranges,
    zones=zone_offsets,
    same=st.booleans(),
)
def test_retention_matches_oracle_in_both_dialects(
    events: Events, periods: int, bounds: tuple[int, int], zones: list[int], same: bool
) -> None:
    start, length = bounds
    return_event = "a" if same else "b"
    spec = RetentionSpec("a", return_event, periods, start, start + length)
    expected = oracle.retention(events, "a", return_event, periods, start, start + length)
    with tempfile.TemporaryDirectory() as directory:
        store = build_store(Path(directory), events, zones)
        assert retention(store, spec).as_dict()["cohorts"] == expected
        assert chdb_retention(store, spec) == expected
        store.close()
