"""Query execution on the embedded store (DuckDB over the live Parquet files)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .events import day_iso, shanghai_day
from .funnel import DayColumns, funnel_counts
from .queries import FunnelSpec, RetentionSpec, duckdb_funnel_scan, duckdb_source, retention_sql
from .store import EventStore, duckdb_connection


@dataclass(frozen=True)
class FunnelStep:
    event: str
    users: int


@dataclass(frozen=True)
class FunnelResult:
    steps: tuple[FunnelStep, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"steps": [{"event": step.event, "users": step.users} for step in self.steps]}


@dataclass(frozen=True)
class Cohort:
    date: str  # YYYY-MM-DD, Asia/Shanghai
    size: int
    retained: tuple[int, ...]


@dataclass(frozen=True)
class RetentionResult:
    cohorts: tuple[Cohort, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohorts": [
                {"date": cohort.date, "size": cohort.size, "retained": list(cohort.retained)}
                for cohort in self.cohorts
            ]
        }


def funnel_result(spec: FunnelSpec, counts: Sequence[int]) -> FunnelResult:
    return FunnelResult(tuple(FunnelStep(name, int(n)) for name, n in zip(spec.steps, counts, strict=True)))


def retention_result(spec: RetentionSpec, rows: Iterable[Sequence[int]]) -> RetentionResult:
    """Shape ``(cohort_day, period, users)`` rows (period -1 = cohort size) into cohorts in date order."""
    sizes: dict[int, int] = {}
    retained: dict[int, list[int]] = {}
    for day, period, users in rows:
        day, period, users = int(day), int(period), int(users)
        if period < 0:
            sizes[day] = users
        elif period < spec.periods:
            retained.setdefault(day, [0] * spec.periods)[period] = users
    return RetentionResult(
        tuple(
            Cohort(day_iso(day), sizes[day], tuple(retained.get(day, [0] * spec.periods)))
            for day in sorted(sizes)
        )
    )


def funnel(store: EventStore, spec: FunnelSpec) -> FunnelResult:
    """Users reaching each step of ``spec`` among loaded events (call ``store.load()`` first)."""
    connection = duckdb_connection()
    with store.locked(exclusive=False):
        files_by_day = store.files_by_day(shanghai_day(spec.from_us), shanghai_day(spec.scan_end_us - 1))

        def load_day(day: int) -> DayColumns | None:
            files = files_by_day.get(day)
            if not files:
                return None
            arrays = connection.execute(duckdb_funnel_scan(spec, duckdb_source(files))).fetchnumpy()
            return DayColumns(
                day,
                np.ascontiguousarray(arrays["user_num"], dtype=np.int64),
                np.ascontiguousarray(arrays["ts_us"], dtype=np.int64),
                np.ascontiguousarray(arrays["code"], dtype=np.uint8),
            )

        counts = funnel_counts(spec, load_day)
    connection.close()
    return funnel_result(spec, counts)


def retention(store: EventStore, spec: RetentionSpec) -> RetentionResult:
    """Cohorts of ``spec`` among loaded events (call ``store.load()`` first)."""
    with store.locked(exclusive=False):
        files = [str(path) for path in store.live_files(day_iso(shanghai_day(spec.from_us)))]
        if not files:
            return RetentionResult(())
        connection = duckdb_connection()
        rows = connection.execute(retention_sql(spec, duckdb_source(files), "duckdb")).fetchall()
        connection.close()
    return retention_result(spec, rows)
