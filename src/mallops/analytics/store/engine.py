"""Query execution on the embedded store (DuckDB over the live Parquet files)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from .events import MICROS_PER_DAY, day_iso, day_start_us, shanghai_day
from .funnel import OFFSET_BITS, DayColumns, DayKeys, funnel_counts
from .funnel_index import read_funnel_index
from .queries import FunnelSpec, RetentionSpec, duckdb_source, retention_sql
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
    with store.locked(exclusive=False):
        files_by_day = store.files_by_day(shanghai_day(spec.from_us), shanghai_day(spec.scan_end_us - 1))

        def load_day(day: int) -> DayColumns | DayKeys | None:
            files = files_by_day.get(day)
            if not files:
                return None
            if len(files) == 1:
                indexed = _read_index(spec, day, files[0])
                if indexed is not None:
                    return indexed
            return _read_step_events(spec, day, files)

        counts = funnel_counts(spec, load_day)
    return funnel_result(spec, counts)


def _read_index(spec: FunnelSpec, day: int, path: str) -> DayKeys | None:
    """The day's step keys from the funnel index of its one file (None without an index), cut to the
    scanned range on the first and last day (same selection as :func:`_read_step_events`)."""
    keys = read_funnel_index(Path(path), spec.names)
    if keys is None:
        return None
    start = day_start_us(day)
    if not (spec.from_us <= start and start + MICROS_PER_DAY <= spec.scan_end_us):
        low, high = spec.from_us - start, spec.scan_end_us - start
        mask = (1 << OFFSET_BITS) - 1
        cut: list[npt.NDArray[np.int64]] = []
        for values in keys:
            offsets = values & mask
            cut.append(values[(offsets >= low) & (offsets < high)])
        keys = cut
    return DayKeys(day, keys)


def _read_step_events(spec: FunnelSpec, day: int, files: list[str]) -> DayColumns:
    """The day's step events in file order, read column-wise with Arrow.

    Same selection as :func:`.queries.duckdb_funnel_scan`; Arrow hands the dictionary-encoded ``event``
    column over as integer indices, which saves the string comparison per row that dominates the scan.
    Arrays are used without a copy when no row is filtered out (a day inside the scanned range whose
    events are all step events), and a day stored as one file is already sorted by ``(user_num, ts_us)``.
    """
    codes = {name: code for code, name in enumerate(spec.names)}
    whole_day = spec.from_us <= day_start_us(day) and day_start_us(day + 1) <= spec.scan_end_us
    users: list[npt.NDArray[np.int64]] = []
    times: list[npt.NDArray[np.int64]] = []
    step_codes: list[npt.NDArray[np.uint8]] = []
    for path in files:
        table = pq.ParquetFile(path, read_dictionary=["event"]).read(columns=["user_num", "ts_us", "event"])
        if table.num_rows == 0:
            continue
        events = table.column("event").combine_chunks()
        lookup = np.array([codes.get(name, 255) for name in events.dictionary.to_pylist()], dtype=np.uint8)
        code = lookup[events.indices.to_numpy(zero_copy_only=False)]
        user = table.column("user_num").to_numpy()
        ts = table.column("ts_us").to_numpy()
        keep: npt.NDArray[np.bool_] | None = None
        if not whole_day:
            keep = (ts >= spec.from_us) & (ts < spec.scan_end_us)
        if bool(np.any(lookup == 255)):
            keep = code != 255 if keep is None else keep & (code != 255)
        if keep is not None and not bool(keep.all()):
            user, ts, code = user[keep], ts[keep], code[keep]
        users.append(user)
        times.append(ts)
        step_codes.append(code)
    if not users:
        return DayColumns(day, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.uint8))
    if len(users) == 1:
        return DayColumns(
            day,
            np.ascontiguousarray(users[0], dtype=np.int64),
            np.ascontiguousarray(times[0], dtype=np.int64),
            step_codes[0],
            ordered=True,
        )
    return DayColumns(
        day,
        np.ascontiguousarray(np.concatenate(users), dtype=np.int64),
        np.ascontiguousarray(np.concatenate(times), dtype=np.int64),
        np.concatenate(step_codes),
    )


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
