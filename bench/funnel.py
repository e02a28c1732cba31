"""Benchmark: 5-step funnel over generated events, embedded engine vs chdb windowFunnel vs a self-join.

    PYTHONPATH=src .venv/bin/python bench/funnel.py            # 10M events, 1M users (takes minutes)
    PYTHONPATH=src .venv/bin/python bench/funnel.py --quick    # 200k events, 20k users

Events are written straight into a store's Parquet layout (one sorted file per Asia/Shanghai day with its
funnel index, as compaction leaves it) and their uuids and user numbers registered in the store's index, then the same
funnel is timed three ways (median of 3 runs after a warm-up). Ingestion is timed separately through
``ingest_events`` (the API path: validation, personal-data filter, dedup, fsync'd spool) on a fresh
store. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import chdb
import numpy as np
import pyarrow as pa

from mallops.analytics import EventStore, FunnelSpec, funnel, ingest_events
from mallops.analytics.store.events import MICROS_PER_DAY as DAY_MICROS
from mallops.analytics.store.events import day_iso, format_timestamp
from mallops.analytics.store.funnel_index import write_funnel_index
from mallops.analytics.store.layout import SCHEMA, day_dir, part_name, write_table_atomically
from mallops.analytics.store.queries import clickhouse_string, duckdb_source, sql_string
from mallops.analytics.store.store import duckdb_connection

STEPS = ("view", "cart", "order", "pay", "review")
# share of all events per step and share of users taking part in the step: a realistic drop-off
EVENT_SHARE = (0.54, 0.25, 0.12, 0.06, 0.03)
USER_SHARE = (1.0, 0.45, 0.22, 0.12, 0.05)
DAYS = 30
START_US = 1_740_758_400_000_000  # 2025-03-01T00:00:00+08:00
WINDOW_US = 86_400 * 1_000_000


def generate(store: EventStore, events: int, users: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    user_start = START_US + rng.integers(0, DAYS * DAY_MICROS - 4 * 3600 * 1_000_000, users)
    counts = [int(events * share) for share in EVENT_SHARE]
    counts[0] += events - sum(counts)
    user_col: list[np.ndarray] = []
    ts_col: list[np.ndarray] = []
    code_col: list[np.ndarray] = []
    for code, (count, share) in enumerate(zip(counts, USER_SHARE, strict=True)):
        eligible = max(1, int(users * share))
        who = rng.integers(0, eligible, count)  # users 0..eligible-1 reach this step: nested drop-off
        offset = code * rng.integers(0, 3 * 3600 * 1_000_000, count) + rng.integers(
            0, 3600 * 1_000_000, count
        )
        user_col.append(who)
        ts_col.append(user_start[who] + offset)
        code_col.append(np.full(count, code, dtype=np.int8))
    user_num = np.concatenate(user_col) + 1
    ts_us = np.concatenate(ts_col)
    code = np.concatenate(code_col)
    days = (ts_us + 8 * 3600 * 1_000_000) // DAY_MICROS
    order = np.argsort(days, kind="stable")
    user_num, ts_us, code, days = user_num[order], ts_us[order], code[order], days[order]
    bounds = np.flatnonzero(np.diff(days)) + 1
    names = pa.array(STEPS)
    sequence = 0
    for chunk in np.split(np.arange(days.size), bounds):
        day = int(days[chunk[0]])
        sequence += chunk.size
        uuids = [f"{value:032x}" for value in range(sequence - chunk.size, sequence)]
        table = pa.table(
            {
                "uuid": pa.array(uuids),
                "event": names.take(pa.array(code[chunk])),
                "distinct_id": pa.array([f"user-{n}" for n in user_num[chunk].tolist()]),
                "user_num": pa.array(user_num[chunk]),
                "ts_us": pa.array(ts_us[chunk]),
                "channel": pa.array(["direct"] * chunk.size),
                "properties": pa.array(["{}"] * chunk.size),
            },
            schema=SCHEMA,
        )
        target = day_dir(store.events_dir, day) / part_name(sequence, compacted=True)
        write_funnel_index(table, target, day_iso(day))  # as compaction does
        write_table_atomically(table, target)
    store.spool.register_bulk(
        (f"{value:032x}" for value in range(sequence)), ((n, f"user-{n}") for n in range(1, users + 1))
    )


def timed(run: Callable[[], object], repeats: int = 3) -> tuple[float, object]:
    result = run()  # warm-up
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


def chdb_window_funnel(store: EventStore, spec: FunnelSpec) -> list[int]:
    source = f"file({clickhouse_string(str(store.events_dir) + '/date=*/part-*.parquet')}, Parquet)"
    conditions = ", ".join(
        f"event = {clickhouse_string(step)}" + (f" AND ts_us < {spec.to_us}" if index == 0 else "")
        for index, step in enumerate(spec.steps)
    )
    names = "[" + ", ".join(clickhouse_string(step) for step in spec.steps) + "]"
    sql = (
        f"SELECT level, count() FROM (SELECT windowFunnel({spec.window_us})(toUInt64(ts_us), {conditions}) AS level "
        f"FROM {source} WHERE event IN {names} AND ts_us >= {spec.from_us} AND ts_us < {spec.scan_end_us} "
        f"GROUP BY distinct_id) GROUP BY level"
    )
    rows = chdb.query(sql, "CSV").data().strip().splitlines()
    per_level = {int(a): int(b) for a, b in (row.split(",") for row in rows)}
    return [sum(n for level, n in per_level.items() if level >= k) for k in range(1, len(spec.steps) + 1)]


def self_join_baseline(store: EventStore, spec: FunnelSpec) -> list[int]:
    """Greedy chain as plain SQL joins (exact when step names are distinct, as here)."""
    files = [str(path) for path in store.live_files()]
    names = ", ".join(sql_string(step) for step in spec.steps)
    parts = [
        f"e AS (SELECT user_num AS u, event, ts_us AS t FROM {duckdb_source(files)} "
        f"WHERE event IN ({names}) AND ts_us >= {spec.from_us} AND ts_us < {spec.scan_end_us})",
        f"s1 AS (SELECT u, t AS t1, t AS last FROM e WHERE event = {sql_string(spec.steps[0])} AND t < {spec.to_us})",
    ]
    for index in range(2, len(spec.steps) + 1):
        parts.append(
            f"s{index} AS (SELECT s.u, s.t1, min(e.t) AS last FROM s{index - 1} AS s JOIN e ON e.u = s.u "
            f"AND e.event = {sql_string(spec.steps[index - 1])} AND e.t >= s.last AND e.t - s.t1 <= {spec.window_us} "
            f"GROUP BY s.u, s.t1)"
        )
    selects = ", ".join(
        f"(SELECT count(DISTINCT u) FROM s{index})" for index in range(1, len(spec.steps) + 1)
    )
    connection = duckdb_connection()
    row = connection.execute(f"WITH {', '.join(parts)} SELECT {selects}").fetchone()
    connection.close()
    assert row is not None
    return [int(value) for value in row]


def ingest_rate(directory: Path, events: int) -> float:
    rng = np.random.default_rng(3)
    offsets = rng.integers(0, DAYS * DAY_MICROS, events)
    batch = [
        {
            "uuid": str(uuid.uuid4()),
            "event": STEPS[index % 5],
            "distinct_id": f"user-{index % 50_000}",
            "timestamp": format_timestamp(START_US + int(offsets[index])),
            "properties": {
                "utm_source": "wechat",
                "utm_medium": "social",
                "sku": "A1",
                "phone": "13800138000",
            },
        }
        for index in range(events)
    ]
    with EventStore(directory) as store:
        began = time.perf_counter()
        for start in range(0, events, 1_000):
            ingest_events(store, batch[start : start + 1_000])
        return events / (time.perf_counter() - began)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (200k events, 20k users)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    args = parser.parse_args(argv)
    events, users, ingest_events_count = (
        (200_000, 20_000, 20_000) if args.quick else (10_000_000, 1_000_000, 200_000)
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        root = Path(work)
        began = time.perf_counter()
        with EventStore(root / "store") as store:
            generate(store, events, users)
            print(
                f"generated {events} events for {users} users in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
            )
            spec = FunnelSpec(STEPS, WINDOW_US, START_US, START_US + DAYS * DAY_MICROS)
            funnel_s, ours = timed(lambda: [step.users for step in funnel(store, spec).steps])
            chdb_s, theirs = timed(lambda: chdb_window_funnel(store, spec))
            baseline_s, joined = timed(lambda: self_join_baseline(store, spec), repeats=1)
        rate = ingest_rate(root / "ingest", ingest_events_count)
        print(f"embedded funnel   {funnel_s:7.3f} s  {ours}")
        print(f"chdb windowFunnel {chdb_s:7.3f} s  {theirs}  ratio embedded/chdb {funnel_s / chdb_s:.2f}")
        print(
            f"self-join SQL     {baseline_s:7.3f} s  {joined}  ratio embedded/self-join {funnel_s / baseline_s:.2f}"
        )
        print(f"ingest via API    {rate:9.0f} events/s")
        if not (ours == theirs == joined):
            print("warning: the three funnels disagree", file=sys.stderr)
        print(
            json.dumps(
                {
                    "funnel_s": round(funnel_s, 4),
                    "chdb_s": round(chdb_s, 4),
                    "baseline_s": round(baseline_s, 4),
                    "ingest_events_s": round(rate),
                    "events": events,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
