"""The durable spool and the indexes that must survive across ingests (one SQLite file).

* ``seen``: every uuid ever accepted (deduplication: the first event stored under a uuid wins).
* ``users``: a dense integer number per ``distinct_id`` (the columnar funnel works on these numbers).
* ``spool``: accepted events not yet loaded into Parquet (or ClickHouse), each with the instant it was
  accepted (``accepted_us``, this node's clock), which decides "first stored wins" across nodes.
* ``meta``: the load in progress (see :mod:`mallops.analytics.store.layout`).

An ingest is one ``BEGIN IMMEDIATE`` transaction committed with ``synchronous=FULL`` in WAL mode: once
:meth:`Spool.append` returns, the events are on disk and may be acknowledged. Concurrent ingests from
several processes are serialised by SQLite's write lock, so a uuid can never be accepted twice by the
processes sharing one store directory (tests/analytics/test_analytics_dedup.py proves it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .events import EventRecord

_CHUNK = 500  # bound variables per IN (...) query

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (uuid TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (num INTEGER PRIMARY KEY, distinct_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: part file names derive from it
    uuid TEXT NOT NULL,
    event TEXT NOT NULL,
    distinct_id TEXT NOT NULL,
    user_num INTEGER NOT NULL,
    ts_us INTEGER NOT NULL,
    channel TEXT NOT NULL,
    properties TEXT NOT NULL,
    accepted_us INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class SpooledRow:
    seq: int
    uuid: str
    event: str
    distinct_id: str
    user_num: int
    ts_us: int
    channel: str
    properties: str
    accepted_us: int = 0


class Spool:
    """Owner of the SQLite file; one instance per process and store."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, timeout=60.0)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.executescript(_SCHEMA)
        columns = {row[1] for row in self._connection.execute("PRAGMA table_info(spool)")}
        if "accepted_us" not in columns:  # a spool written before the column existed
            self._connection.execute("ALTER TABLE spool ADD COLUMN accepted_us INTEGER NOT NULL DEFAULT 0")
        self._user_numbers: dict[str, int] = {}

    def close(self) -> None:
        self._connection.close()

    def append(self, records: Sequence[EventRecord]) -> list[bool]:
        """Spool the records whose uuid was never accepted; return, per record, whether it was accepted.

        Durable on return (fsync'd commit). Within ``records`` the first occurrence of a uuid wins.
        """
        if not records:
            return []
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        try:
            uuids = list({record.uuid: None for record in records})
            known = self._existing_uuids(uuids)
            accepted: list[bool] = []
            fresh: list[EventRecord] = []
            for record in records:
                if record.uuid in known:
                    accepted.append(False)
                    continue
                known.add(record.uuid)
                accepted.append(True)
                fresh.append(record)
            if fresh:
                numbers = self._user_numbers_for({record.distinct_id for record in fresh})
                accepted_us = time.time_ns() // 1_000  # inside the write lock: increasing per store
                db.executemany("INSERT INTO seen (uuid) VALUES (?)", [(record.uuid,) for record in fresh])
                db.executemany(
                    "INSERT INTO spool (uuid, event, distinct_id, user_num, ts_us, channel, properties, "
                    "accepted_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            r.uuid,
                            r.event,
                            r.distinct_id,
                            numbers[r.distinct_id],
                            r.ts_us,
                            r.channel,
                            r.properties,
                            accepted_us,
                        )
                        for r in fresh
                    ],
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self._user_numbers.clear()  # numbers assigned in the rolled-back transaction are void
            raise
        return accepted

    def _existing_uuids(self, uuids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(uuids), _CHUNK):
            chunk = uuids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self._connection.execute(f"SELECT uuid FROM seen WHERE uuid IN ({marks})", chunk)
            )
        return found

    def _user_numbers_for(self, distinct_ids: Iterable[str]) -> dict[str, int]:
        cache = self._user_numbers
        missing = [d for d in distinct_ids if d not in cache]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT distinct_id, num FROM users WHERE distinct_id IN ({marks})"
            cache.update(self._connection.execute(query, chunk).fetchall())
        new = [d for d in missing if d not in cache]
        for distinct_id in new:
            cursor = self._connection.execute("INSERT INTO users (distinct_id) VALUES (?)", (distinct_id,))
            assert cursor.lastrowid is not None
            cache[distinct_id] = cursor.lastrowid
        return cache

    # --- loading -------------------------------------------------------------------------------------

    def pending_load(self) -> int | None:
        row = self._connection.execute("SELECT value FROM meta WHERE key = 'loading_through'").fetchone()
        return None if row is None else int(row[0])

    def begin_load(self) -> int | None:
        """Fix the spool sequence number up to which the next load goes; None when nothing is spooled.

        A load interrupted by a crash is redone with the same bound (the spool is append-only, so the same
        rows are read and the same Parquet part names are written again).
        """
        pending = self.pending_load()
        if pending is not None:
            return pending
        row = self._connection.execute("SELECT max(seq) FROM spool").fetchone()
        if row is None or row[0] is None:
            return None
        through = int(row[0])
        self._connection.execute("INSERT INTO meta (key, value) VALUES ('loading_through', ?)", (through,))
        return through

    def rows_through(self, through: int) -> list[SpooledRow]:
        cursor = self._connection.execute(
            "SELECT seq, uuid, event, distinct_id, user_num, ts_us, channel, properties, accepted_us "
            "FROM spool "
            "WHERE seq <= ? ORDER BY seq",
            (through,),
        )
        return [SpooledRow(*row) for row in cursor]

    def finish_load(self, through: int) -> None:
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM spool WHERE seq <= ?", (through,))
        db.execute("DELETE FROM meta WHERE key = 'loading_through'")
        db.execute("COMMIT")

    def spooled_count(self) -> int:
        row = self._connection.execute("SELECT count(*) FROM spool").fetchone()
        return int(row[0])

    def register_bulk(self, uuids: Iterable[str], distinct_ids: Iterable[tuple[int, str]]) -> None:
        """Record uuids and user numbers of events written straight to Parquet (benchmark generator)."""
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO seen (uuid) VALUES (?)", ((u,) for u in uuids))
        db.executemany("INSERT INTO users (num, distinct_id) VALUES (?, ?)", distinct_ids)
        db.execute("COMMIT")
        self._user_numbers.clear()

    # --- privacy: de-identification and retention ------------------------------------------------------

    def user_numbers(self, distinct_ids: Iterable[str]) -> dict[str, int]:
        """Numbers for ids, new ones allocated (one transaction); the store's de-identification uses it."""
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        try:
            numbers = dict(self._user_numbers_for(list(distinct_ids)))
        except BaseException:
            db.execute("ROLLBACK")
            self._user_numbers.clear()
            raise
        db.execute("COMMIT")
        return numbers

    def spooled_of(self, distinct_ids: Sequence[str]) -> list[SpooledRow]:
        """Spooled (not yet loaded) rows of these ids."""
        found: list[SpooledRow] = []
        for start in range(0, len(distinct_ids), _CHUNK):
            chunk = list(distinct_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            cursor = self._connection.execute(
                "SELECT seq, uuid, event, distinct_id, user_num, ts_us, channel, properties, accepted_us "
                f"FROM spool WHERE distinct_id IN ({marks}) ORDER BY seq",
                chunk,
            )
            found.extend(SpooledRow(*row) for row in cursor)
        return found

    def replace_spooled(self, rows: Sequence[SpooledRow], forget: Sequence[str]) -> None:
        """Overwrite spooled rows (same ``seq``) and drop the ``users`` numbers of ``forget``: one transaction."""
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "UPDATE spool SET uuid = ?, distinct_id = ?, user_num = ?, properties = ? WHERE seq = ?",
                [(r.uuid, r.distinct_id, r.user_num, r.properties, r.seq) for r in rows],
            )
            db.executemany("DELETE FROM users WHERE distinct_id = ?", [(d,) for d in forget])
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._user_numbers.clear()

    def named_ids(self, prefix: str) -> list[str]:
        """Every distinct id the store numbered that does not start with ``prefix`` (the anonymous ones do)."""
        cursor = self._connection.execute(
            "SELECT distinct_id FROM users WHERE substr(distinct_id, 1, ?) != ? ORDER BY distinct_id",
            (len(prefix), prefix),
        )
        return [row[0] for row in cursor]

    def spooled_before(self, ts_us: int) -> int:
        """How many spooled events happened before ``ts_us`` (the retention dry run)."""
        row = self._connection.execute("SELECT count(*) FROM spool WHERE ts_us < ?", (ts_us,)).fetchone()
        return int(row[0])
