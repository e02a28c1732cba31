"""The funnel index written at compaction gives exactly the funnel of the Parquet path and of the oracle,
and is kept in step with the day's live file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import oracle_analytics as oracle
import pyarrow as pa
import pytest
from helpers_analytics import stamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.analytics import EventStore, FunnelSpec, funnel, ingest_events
from mallops.analytics.store import engine
from mallops.analytics.store.funnel import MAX_USER_NUM
from mallops.analytics.store.funnel_index import index_paths, read_funnel_index, write_funnel_index
from mallops.analytics.store.layout import SCHEMA

BASE = 1_740_758_400_000_000  # 2025-03-01T00:00:00+08:00
SECOND = 1_000_000
DAY = 86_400 * SECOND
Events = list[tuple[str, str, int]]


def fill(store: EventStore, events: Events, first: int = 0, chunk: int = 9) -> None:
    batch = [
        {"uuid": f"e{first + i}", "event": name, "distinct_id": user, "timestamp": stamp(ts)}
        for i, (user, name, ts) in enumerate(events)
    ]
    for start in range(0, len(batch), chunk):  # several loads: several parts per day
        ingest_events(store, batch[start : start + chunk])
        store.load()


def no_parquet_read(*args: object, **kwargs: object) -> None:
    raise AssertionError("the funnel read Parquet although every day has an index")


timestamps = st.one_of(
    st.integers(-SECOND, 3 * DAY),
    st.sampled_from([0, DAY - 1, DAY, 2 * DAY - 1, 2 * DAY]),
).map(lambda offset: BASE + offset)
events_strategy = st.lists(
    st.tuples(
        st.sampled_from([f"u{n}" for n in range(6)]), st.sampled_from(["a", "b", "c", "d"]), timestamps
    ),
    max_size=40,
)


@pytest.mark.req("R3.2.4")
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=events_strategy,
    steps=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=5),
    window=st.sampled_from([0, 1, SECOND, 3600 * SECOND, DAY - 1, DAY, 2 * DAY]),
    start=st.integers(-2 * SECOND, 2 * DAY),
    length=st.sampled_from([1, SECOND, 12 * 3600 * SECOND, DAY, DAY + 7, 3 * DAY]),
)
def test_indexed_funnel_equals_the_parquet_path_and_the_oracle(
    monkeypatch: pytest.MonkeyPatch, events: Events, steps: list[str], window: int, start: int, length: int
) -> None:
    spec = FunnelSpec(tuple(steps), window, BASE + start, BASE + start + length)
    expected = oracle.funnel(events, steps, window, spec.from_us, spec.to_us)
    with tempfile.TemporaryDirectory() as directory, EventStore(Path(directory)) as store:
        fill(store, events)
        assert [step.users for step in funnel(store, spec).steps] == expected
        store.compact()
        for path in store.live_files():
            assert all(index.exists() for index in index_paths(path))
        with monkeypatch.context() as patch:
            patch.setattr(engine, "_read_step_events", no_parquet_read)
            assert [step.users for step in funnel(store, spec).steps] == expected


def test_index_follows_the_live_file_and_orphans_are_removed(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    spec = FunnelSpec(("view", "pay"), DAY, BASE, BASE + DAY)
    fill(store, [("u1", "view", BASE + 10), ("u2", "view", BASE + 20), ("u1", "pay", BASE + 30)])
    store.compact()
    [live] = store.live_files()
    assert read_funnel_index(live, ("view", "pay", "none"))[2].size == 0
    assert [s.users for s in funnel(store, spec).steps] == [2, 1]
    fill(store, [("u2", "pay", BASE + 40)], first=100)  # a second part: the day is read from Parquet
    assert len(store.live_files()) == 2
    assert [s.users for s in funnel(store, spec).steps] == [2, 2]
    day = live.parent
    orphan = day / "part-000000000777-c.parquet.keys.json"
    orphan.write_text("{}")
    store.compact()
    [merged] = store.live_files()
    assert merged != live and not any(index.exists() for index in index_paths(live))
    assert not orphan.exists()
    assert sorted(p.name for p in day.iterdir()) == sorted(
        [merged.name, *(index.name for index in index_paths(merged))]
    )
    assert [s.users for s in funnel(store, spec).steps] == [2, 2]
    store.close()


def test_rows_that_cannot_be_keyed_get_no_index(tmp_path: Path) -> None:
    def table(user: int, offset: int) -> pa.Table:
        row = {
            "uuid": "x",
            "event": "a",
            "distinct_id": "d",
            "user_num": user,
            "ts_us": BASE + offset,
            "channel": "direct",
            "properties": "{}",
        }
        return pa.Table.from_pylist([row], schema=SCHEMA)

    part = tmp_path / "part-000000000001.parquet"
    assert not write_funnel_index(table(MAX_USER_NUM + 1, 0), part, "2025-03-01")
    assert not write_funnel_index(table(1, DAY), part, "2025-03-01")  # the next day's instant
    assert not any(index.exists() for index in index_paths(part))
    assert write_funnel_index(table(MAX_USER_NUM, DAY - 1), part, "2025-03-01")
    assert read_funnel_index(part, ("a",))[0].tolist() == [(MAX_USER_NUM << 37) | (DAY - 1)]
