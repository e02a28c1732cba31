"""The production analytics backend: events in ClickHouse, queried with the ClickHouse-dialect SQL.

Ingestion is the same as embedded (validate, filter personal data, dedup by uuid, fsync to the spool, then
acknowledge); the loader then moves spooled rows into a ClickHouse table instead of Parquet. The table is a
``ReplacingMergeTree`` keyed by ``uuid`` and queries read it ``FINAL``, so a load interrupted after the
insert and redone inserts nothing twice in effect.

``CLICKHOUSE_URL`` selects it (``clickhouse://user:pass@host:8123/db``, through ``clickhouse-connect``).
The tests run the very same statements through chdb, ClickHouse's engine in process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, Protocol

from .engine import FunnelResult, RetentionResult, funnel_result, retention_result
from .layout import SCHEMA
from .queries import FunnelSpec, RetentionSpec, clickhouse_funnel, retention_sql
from .store import EventStore

COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)

DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    uuid String,
    event LowCardinality(String),
    distinct_id String,
    user_num Int64,
    ts_us Int64,
    channel LowCardinality(String),
    properties String
) ENGINE = ReplacingMergeTree
PARTITION BY intDiv(ts_us + 28800000000, 86400000000 * 32)
ORDER BY uuid
"""


class SqlExecutor(Protocol):
    def command(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[list[Any]]: ...

    def insert_json_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None: ...


class ChdbExecutor:
    """chdb (in-process ClickHouse) with a persistent session directory."""

    def __init__(self, path: str) -> None:
        from chdb import session

        make_session: Any = session.Session  # chdb ships no type hints
        self._session: Any = make_session(path)

    def command(self, sql: str) -> None:
        self._session.query(sql)

    def rows(self, sql: str) -> list[list[Any]]:
        result = self._session.query(sql, "JSONCompact")
        text = result.bytes().decode() if hasattr(result, "bytes") else str(result)
        if not text.strip():
            return []
        data: list[list[Any]] = json.loads(text)["data"]
        return data

    def insert_json_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            body = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
            self._session.query(f"INSERT INTO {table} FORMAT JSONEachRow\n{body}")


class ClickHouseConnectExecutor:
    """A ClickHouse server through clickhouse-connect (HTTP interface)."""

    def __init__(self, url: str) -> None:
        import clickhouse_connect

        self._client = clickhouse_connect.get_client(dsn=url)

    def command(self, sql: str) -> None:
        self._client.command(sql)

    def rows(self, sql: str) -> list[list[Any]]:
        return [list(row) for row in self._client.query(sql).result_rows]

    def insert_json_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._client.insert(
                table, [[row[c] for c in COLUMNS] for row in rows], column_names=list(COLUMNS)
            )


class ClickHouseBackend:
    def __init__(self, executor: SqlExecutor, *, table: str = "mallops_events") -> None:
        if not table.replace("_", "").isalnum():
            raise ValueError(f"bad table name {table!r}")
        self.executor = executor
        self.table = table
        executor.command(DDL.format(table=table))

    @property
    def source(self) -> str:
        return f"(SELECT * FROM {self.table} FINAL)"

    def load_from(self, store: EventStore, *, batch: int = 50_000) -> int:
        """Move the store's spooled events into ClickHouse (the periodic loader); returns how many."""
        loaded = 0
        with store.locked(exclusive=True):
            while (through := store.spool.begin_load()) is not None:
                rows = store.spool.rows_through(through)
                for start in range(0, len(rows), batch):
                    chunk = rows[start : start + batch]
                    self.executor.insert_json_rows(
                        self.table, [{name: getattr(row, name) for name in COLUMNS} for row in chunk]
                    )
                store.spool.finish_load(through)
                loaded += len(rows)
        return loaded

    def funnel(self, spec: FunnelSpec) -> FunnelResult:
        rows = self.executor.rows(clickhouse_funnel(spec, self.source))
        counts = [int(value) for value in rows[0]] if rows else [0] * len(spec.steps)
        return funnel_result(spec, counts)

    def retention(self, spec: RetentionSpec) -> RetentionResult:
        rows = self.executor.rows(retention_sql(spec, self.source, "clickhouse"))
        return retention_result(spec, [[int(value) for value in row] for row in rows])


def backend_from_env(environ: dict[str, str] | None = None) -> ClickHouseBackend | None:
    """The ClickHouse backend when ``CLICKHOUSE_URL`` is set, else None (embedded DuckDB/Parquet)."""
    url = (environ if environ is not None else dict(os.environ)).get("CLICKHOUSE_URL", "")
    if not url:
        return None
    if url.startswith("chdb://"):
        return ClickHouseBackend(ChdbExecutor(url.removeprefix("chdb://")))
    return ClickHouseBackend(ClickHouseConnectExecutor(url))
