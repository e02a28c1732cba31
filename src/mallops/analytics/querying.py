"""The one query layer of the Django side: every page, API, job and report reads events through it.

Embedded default: DuckDB over the store's live Parquet files. With ``settings.CLICKHOUSE_URL`` set, the
spool is loaded into ClickHouse (:mod:`mallops.analytics.store.clickhouse`) and the same reads run there,
in ClickHouse's dialect (``chdb://DIR`` selects chdb, ClickHouse's engine in process; the tests use it).

:func:`events` yields an :class:`EventQuery`: the dialect, a table expression with the columns ``event``,
``distinct_id`` (identity-resolved), ``raw_id``, ``ts_us``, ``channel`` and ``properties``, and ``fetch``.
SQL written against it uses only what both dialects share, or asks :attr:`EventQuery.dialect`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from django.conf import settings

from mallops.analytics.storage import get_store
from mallops.analytics.store.clickhouse import ClickHouseBackend, backend_from_env
from mallops.analytics.store.events import day_iso
from mallops.analytics.store.queries import clickhouse_string, duckdb_source
from mallops.analytics.store.store import duckdb_connection

_lock = threading.Lock()
_backends: dict[str, ClickHouseBackend] = {}


@dataclass(frozen=True)
class EventQuery:
    dialect: str  # "duckdb" or "clickhouse"
    source: str | None  # None: no events stored for the days asked
    _fetch: Callable[[str], Sequence[Sequence[Any]]]

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._fetch(sql)]


def clickhouse() -> ClickHouseBackend | None:
    """The ClickHouse backend of this process when ``CLICKHOUSE_URL`` is set, else None."""
    url = str(getattr(settings, "CLICKHOUSE_URL", "") or "")
    if not url:
        return None
    with _lock:
        backend = _backends.get(url)
        if backend is None:
            backend = backend_from_env({"CLICKHOUSE_URL": url})
            assert backend is not None
            _backends[url] = backend
        return backend


def reset_backends() -> None:
    """Close the cached backends (tests switch chdb directories; chdb allows one per process)."""
    with _lock:
        for backend in _backends.values():
            backend.executor.close()
        _backends.clear()


def load() -> int:
    """Move spooled events to where queries read them (Parquet, or ClickHouse); returns how many."""
    backend = clickhouse()
    store = get_store()
    return store.load() if backend is None else backend.load_from(store)


def _clickhouse_source(backend: ClickHouseBackend, aliases: dict[str, str]) -> str:
    raw = f"SELECT event, distinct_id AS raw_id, ts_us, channel, properties FROM {backend.table} FINAL"
    if aliases:
        keys = "[" + ", ".join(clickhouse_string(alias) for alias in aliases) + "]"
        values = "[" + ", ".join(clickhouse_string(person) for person in aliases.values()) + "]"
        person = f"transform(raw_id, {keys}, {values}, raw_id)"
    else:
        person = "raw_id"
    return f"(SELECT event, {person} AS distinct_id, raw_id, ts_us, channel, properties FROM ({raw}))"


@contextmanager
def events(first_day: int, last_day: int | None, aliases: dict[str, str]) -> Iterator[EventQuery]:
    """The events of Asia/Shanghai days ``first_day..last_day`` (None: no upper bound), loaded first.

    ``aliases`` maps merged ids to their person (R4.1.3); an empty map leaves ``distinct_id`` raw.
    The day bounds only prune files: callers still filter ``ts_us`` exactly.
    """
    backend = clickhouse()
    if backend is not None:
        backend.load_from(get_store())
        yield EventQuery("clickhouse", _clickhouse_source(backend, aliases), backend.executor.rows)
        return
    store = get_store()
    store.load()
    with store.locked(exclusive=False):
        files = [
            str(path)
            for path in store.live_files(day_iso(first_day), None if last_day is None else day_iso(last_day))
        ]
        connection = duckdb_connection()
        try:
            if not files:
                yield EventQuery("duckdb", None, lambda sql: [])
                return
            connection.register(
                "aliases",
                pa.table(
                    {"alias_id": list(aliases), "canonical": list(aliases.values())},
                    schema=pa.schema([("alias_id", pa.string()), ("canonical", pa.string())]),
                ),
            )
            source = (
                "(SELECT e.event AS event, coalesce(a.canonical, e.distinct_id) AS distinct_id, "
                "e.distinct_id AS raw_id, e.ts_us AS ts_us, e.channel AS channel, e.properties AS properties "
                f"FROM {duckdb_source(files)} AS e LEFT JOIN aliases AS a ON a.alias_id = e.distinct_id)"
            )
            yield EventQuery("duckdb", source, lambda sql: connection.execute(sql).fetchall())
        finally:
            connection.close()
