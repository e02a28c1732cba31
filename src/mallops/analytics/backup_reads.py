"""The event store reads of ops backups and restore drills (registered in ``ops.event_store`` by
``AnalyticsConfig.ready``; ADR 0006: ops may not import analytics)."""

from __future__ import annotations

from pathlib import Path


def live_parquet_rows(events_dir: Path) -> int:
    """Rows in the live Parquet parts (superseded parts left by a compaction are not counted)."""
    if not events_dir.is_dir():
        return 0
    import pyarrow.parquet as pq

    from mallops.analytics.store.layout import list_days

    return sum(
        pq.ParquetFile(path).metadata.num_rows for parts in list_days(events_dir) for path in parts.live
    )


def count_events(store_dir: Path) -> tuple[int, int, int]:
    """(rows, distinct event names, live Parquet files) of the store in ``store_dir`` (a DuckDB query over
    the live parts, under the store's shared lock)."""
    from mallops.analytics.store.queries import duckdb_source
    from mallops.analytics.store.store import EventStore, duckdb_connection

    store = EventStore(store_dir)
    try:
        files = [str(path) for path in store.live_files()]
        if not files:
            return 0, 0, 0
        with store.locked(exclusive=False):
            answer = (
                duckdb_connection()
                .execute(f"SELECT count(*), count(DISTINCT event) FROM {duckdb_source(files)}")
                .fetchone()
            )
    finally:
        store.close()
    rows, events = answer if answer is not None else (0, 0)
    return int(rows), int(events), len(files)
