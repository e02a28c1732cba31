"""The production analytics backend: events in ClickHouse, queried with the ClickHouse-dialect SQL.

Ingestion is the same as embedded (validate, filter personal data, dedup by uuid, fsync to the spool, then
acknowledge); the loader then moves spooled rows into a ClickHouse table instead of Parquet.

"The first event stored under a uuid wins" across ingest nodes: each node's spool deduplicates what it
accepts and stamps every accepted event with the instant it accepted it (``accepted_us``). The table is a
``ReplacingMergeTree`` ordered by ``uuid`` (one partition, so that rows of one uuid always meet) whose
version is ``2**63 - 1 - accepted_us``: of the rows of one uuid, the one accepted first has the highest
version and is kept, whichever node loads first; queries read the table ``FINAL`` and so see only that
row even before the background merges. A load interrupted after the insert and redone inserts nothing
twice in effect either. Limits (docs/analytics.md): "first" is by the accepting nodes' clocks (clock skew
between nodes can let a later event win; equal instants on two nodes are settled by insert order); until
the node holding the first copy has loaded its spool (at most a minute), queries see the other copy; each
node's answer counts a copy it accepted as ingested even when another node accepted it before.

De-identification (``forget``, consent withdrawal and erasure): the same result as the embedded store's
(``erasure.forget``): each event of the person's ids is written again with a fresh ``anon:`` id used once,
a fresh user number, a fresh uuid (the sort key, which ``ALTER TABLE ... UPDATE`` cannot change; a
server uuid such as ``product_review:<id>`` names a record that leads back to the buyer) and its
properties scrubbed; then one ``ALTER TABLE ... DELETE`` mutation (waited for) removes every row of those
ids. A second run finds nothing to do.

Retention (``aged_days`` / ``drop_days_before``): the same whole Asia/Shanghai days as the embedded store's
(``erasure.days_before``): the spool is loaded first, then one ``ALTER TABLE ... DELETE`` mutation (waited
for) removes every row before 00:00 Asia/Shanghai of the first day kept.

``CLICKHOUSE_URL`` selects it (``clickhouse://user:pass@host:8123/db``, through ``clickhouse-connect``).
The tests run the very same statements through chdb, ClickHouse's engine in process.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, Final, Protocol

from . import erasure
from .engine import FunnelResult, RetentionResult, funnel_result, retention_result
from .events import MICROS_PER_DAY, SHANGHAI_OFFSET_MICROS, day_iso, day_start_us, iso_day_number
from .layout import SCHEMA
from .queries import FunnelSpec, RetentionSpec, clickhouse_funnel, clickhouse_string, retention_sql
from .store import EventStore

MAX_QUERY_SIZE: Final = 64 << 20

COLUMNS: tuple[str, ...] = (*SCHEMA.names, "accepted_us")

DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    uuid String,
    event LowCardinality(String),
    distinct_id String,
    user_num Int64,
    ts_us Int64,
    channel LowCardinality(String),
    properties String,
    accepted_us Int64,
    first_wins UInt64 MATERIALIZED toUInt64(9223372036854775807 - accepted_us),
    INDEX ts_range ts_us TYPE minmax GRANULARITY 4
) ENGINE = ReplacingMergeTree(first_wins)
ORDER BY uuid
"""


class SqlExecutor(Protocol):
    def command(self, sql: str) -> None: ...

    def close(self) -> None: ...

    def rows(self, sql: str) -> list[list[Any]]: ...

    def insert_json_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None: ...


class ChdbExecutor:
    """chdb (in-process ClickHouse) with a persistent session directory."""

    def __init__(self, path: str) -> None:
        from chdb import session

        make_session: Any = session.Session  # chdb ships no type hints
        self._session: Any = make_session(path)
        self._lock = threading.Lock()  # one query at a time through the in-process engine
        # identity resolution inlines the alias map into the query text
        self._session.query(f"SET max_query_size = {MAX_QUERY_SIZE}")

    def command(self, sql: str) -> None:
        with self._lock:
            self._session.query(sql)

    def close(self) -> None:
        """chdb allows one session directory per process: close before opening another."""
        with self._lock:
            self._session.close()

    def rows(self, sql: str) -> list[list[Any]]:
        with self._lock:
            result = self._session.query(sql, "JSONCompact")
        text = result.bytes().decode() if hasattr(result, "bytes") else str(result)
        if not text.strip():
            return []
        data: list[list[Any]] = json.loads(text)["data"]
        return data

    def insert_json_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            body = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
            with self._lock:
                self._session.query(f"INSERT INTO {table} FORMAT JSONEachRow\n{body}")


class ClickHouseConnectExecutor:
    """A ClickHouse server through clickhouse-connect (HTTP interface)."""

    def __init__(self, url: str) -> None:
        import clickhouse_connect

        # no session: the client is shared by the web server's threads, whose queries may overlap
        self._client = clickhouse_connect.get_client(dsn=url, autogenerate_session_id=False)

    def command(self, sql: str) -> None:
        self._client.command(sql)

    def close(self) -> None:
        self._client.close()

    def rows(self, sql: str) -> list[list[Any]]:
        result = self._client.query(sql, settings={"max_query_size": MAX_QUERY_SIZE})
        return [list(row) for row in result.result_rows]

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
        columns = {
            str(row[0])
            for row in executor.rows(
                "SELECT name FROM system.columns WHERE database = currentDatabase() "
                f"AND table = {clickhouse_string(table)}"
            )
        }
        if "first_wins" not in columns:
            raise RuntimeError(
                f"ClickHouse table {table} predates first-stored-wins deduplication; "
                "rename it and let Mallops create it again, then copy the rows over"
            )

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

    def forget(self, store: EventStore, distinct_ids: Collection[str], *, scrub: Callable[[str], str]) -> int:
        """De-identify every event of ``distinct_ids`` (module docstring); returns how many changed.

        Loads the spool first (so every event accepted so far is in ClickHouse), then rewrites the
        events spooled meanwhile and drops the ids' user numbers (``erasure.forget_spooled``). When the
        delete fails after the anonymous copies went in, the copies are deleted again (best effort) and
        the error goes up: the withdrawal catch-up (``analytics.withdrawn`` retention rule) runs it again.
        """
        wanted = sorted({d for d in distinct_ids if d})
        if not wanted:
            return 0
        self.load_from(store)
        names = "[" + ", ".join(clickhouse_string(d) for d in wanted) + "]"
        rows = self.executor.rows(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} FINAL WHERE has({names}, distinct_id) ORDER BY uuid"
        )
        changed = 0
        if rows:
            fresh = [erasure.anonymous_id() for _ in rows]
            numbers = store.spool.user_numbers(fresh)
            copies: list[dict[str, Any]] = []
            for row, new_id in zip(rows, fresh, strict=True):
                event = dict(zip(COLUMNS, row, strict=True))
                copies.append(
                    {
                        **event,
                        "uuid": str(uuid.uuid4()),
                        "distinct_id": new_id,
                        "user_num": numbers[new_id],
                        "ts_us": int(event["ts_us"]),
                        "accepted_us": int(event["accepted_us"]),
                        "properties": scrub(str(event["properties"])),
                    }
                )
            self.executor.insert_json_rows(self.table, copies)
            try:
                self.executor.command(
                    f"ALTER TABLE {self.table} DELETE WHERE has({names}, distinct_id) "
                    "SETTINGS mutations_sync = 2"
                )
            except Exception:
                made = "[" + ", ".join(clickhouse_string(c["uuid"]) for c in copies) + "]"
                with contextlib.suppress(Exception):
                    self.executor.command(
                        f"ALTER TABLE {self.table} DELETE WHERE has({made}, uuid) SETTINGS mutations_sync = 2"
                    )
                raise
            changed = len(rows)
        return changed + erasure.forget_spooled(store, wanted, scrub=scrub)

    def aged_days(self, first_kept: str) -> list[erasure.AgedDay]:
        """Days (Asia/Shanghai) with rows before ``first_kept``, oldest first (reads only)."""
        cutoff = day_start_us(iso_day_number(first_kept))
        rows = self.executor.rows(
            f"SELECT intDiv(ts_us + {SHANGHAI_OFFSET_MICROS}, {MICROS_PER_DAY}) AS day, count() "
            f"FROM {self.source} WHERE ts_us < {cutoff} GROUP BY day ORDER BY day"
        )
        return [erasure.AgedDay(day=day_iso(int(day)), events=int(events)) for day, events in rows]

    def drop_days_before(self, store: EventStore, first_kept: str) -> int:
        """Delete every row before ``first_kept`` (after loading the spool); returns how many went."""
        self.load_from(store)
        removed = sum(aged.events for aged in self.aged_days(first_kept))
        if removed:
            cutoff = day_start_us(iso_day_number(first_kept))
            self.executor.command(
                f"ALTER TABLE {self.table} DELETE WHERE ts_us < {cutoff} SETTINGS mutations_sync = 2"
            )
        return removed

    def funnel(self, spec: FunnelSpec, source: str | None = None) -> FunnelResult:
        """``source``: another table expression over this table (the identity-resolved one)."""
        rows = self.executor.rows(clickhouse_funnel(spec, source or self.source))
        counts = [int(value) for value in rows[0]] if rows else [0] * len(spec.steps)
        return funnel_result(spec, counts)

    def retention(self, spec: RetentionSpec, source: str | None = None) -> RetentionResult:
        rows = self.executor.rows(retention_sql(spec, source or self.source, "clickhouse"))
        return retention_result(spec, [[int(value) for value in row] for row in rows])


def backend_from_env(environ: dict[str, str] | None = None) -> ClickHouseBackend | None:
    """The ClickHouse backend when ``CLICKHOUSE_URL`` is set, else None (embedded DuckDB/Parquet)."""
    url = (environ if environ is not None else dict(os.environ)).get("CLICKHOUSE_URL", "")
    if not url:
        return None
    if url.startswith("chdb://"):
        return ClickHouseBackend(ChdbExecutor(url.removeprefix("chdb://")))
    return ClickHouseBackend(ClickHouseConnectExecutor(url))
