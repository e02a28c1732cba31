"""The event store: spool and indexes (SQLite), day-partitioned Parquet, compaction and locking."""

from __future__ import annotations

import fcntl
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .events import PersonalDataPolicy, PropertyFilter, day_iso, iso_day_number, shanghai_day
from .funnel_index import index_paths, remove_funnel_index, write_funnel_index
from .layout import SCHEMA, day_dir, day_parts, list_days, part_name, read_parts, write_table_atomically
from .spool import Spool

POLICY_FILE = "personal_properties.json"


def default_store_dir() -> Path:
    """``${MALLOPS_DATA_DIR:-var}/analytics``."""
    return Path(os.environ.get("MALLOPS_DATA_DIR") or "var") / "analytics"


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that never downloads or loads extensions on its own."""
    return duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False, "threads": 2}
    )


@dataclass(frozen=True)
class CompactResult:
    days_compacted: int
    files_removed: int


class EventStore:
    """An analytics store in one directory; safe to use from several processes at once.

    Layout: ``spool.sqlite`` (spool, uuid index, user numbers), ``events/date=.../part-*.parquet`` (and
    their funnel indexes), ``ratelimit.sqlite`` (API token buckets when Redis is not configured),
    ``secret.key`` (HMAC key for hashed personal properties), optional ``personal_properties.json``
    (``{"drop": [...], "hash": [...]}``, replaces the default policy) and ``.lock``.
    """

    def __init__(self, path: Path, policy: PersonalDataPolicy | None = None) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.events_dir = path / "events"
        self.spool = Spool(path / "spool.sqlite")
        if policy is None:
            policy_file = path / POLICY_FILE
            policy = (
                PersonalDataPolicy.from_json(json.loads(policy_file.read_text("utf-8")))
                if policy_file.exists()
                else PersonalDataPolicy()
            )
        self.property_filter = PropertyFilter(policy, self._secret())

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _secret(self) -> bytes:
        key_file = self.path / "secret.key"
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return key_file.read_bytes()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(32))
            handle.flush()
            os.fsync(handle.fileno())
        return key_file.read_bytes()

    @contextmanager
    def locked(self, *, exclusive: bool) -> Iterator[None]:
        """Exclusive for load and compaction (they replace files), shared for reading Parquet."""
        with open(self.path / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # --- load and compaction -------------------------------------------------------------------------

    def load(self) -> int:
        """Move spooled events into Parquet parts (the periodic loader); returns the number loaded."""
        loaded = 0
        with self.locked(exclusive=True):
            while (through := self.spool.begin_load()) is not None:
                rows = self.spool.rows_through(through)
                by_day: dict[int, list[int]] = defaultdict(list)
                for index, row in enumerate(rows):
                    by_day[shanghai_day(row.ts_us)].append(index)
                for day, indexes in by_day.items():
                    selected = [rows[i] for i in indexes]
                    table = pa.table(
                        {name: [getattr(row, name) for row in selected] for name in SCHEMA.names},
                        schema=SCHEMA,
                    )
                    write_table_atomically(table, day_dir(self.events_dir, day) / part_name(through))
                self.spool.finish_load(through)
                loaded += len(rows)
        return loaded

    def compact(self, *, min_files: int = 2) -> CompactResult:
        """Merge each day having at least ``min_files`` live parts into one sorted file (periodic job),
        and give every day stored as one file its funnel index (:mod:`.funnel_index`).

        Loads the spool first so that no load is in progress while parts are merged.
        """
        self.load()
        days = 0
        removed = 0
        with self.locked(exclusive=True):
            for parts in list_days(self.events_dir):
                directory = parts.live[0].parent
                if len(parts.live) >= min_files:
                    covered = max(int(path.name[5:17]) for path in parts.live)
                    target = directory / part_name(covered, compacted=True)
                    table = read_parts(parts.live)
                    write_funnel_index(table, target, parts.day)  # before the file's rename commits it
                    write_table_atomically(table, target)
                    days += 1
                    parts = day_parts(directory)
                elif len(parts.live) == 1 and not all(p.exists() for p in index_paths(parts.live[0])):
                    columns = ["event", "user_num", "ts_us"]  # all the index needs
                    write_funnel_index(
                        pq.read_table(parts.live[0], columns=columns), parts.live[0], parts.day
                    )
                for stale in parts.superseded:
                    stale.unlink()
                    remove_funnel_index(stale)
                    removed += 1
                for orphan in directory.glob("part-*.parquet.keys.*"):  # a compaction cut short
                    if not orphan.with_name(orphan.name.split(".keys.")[0]).exists():
                        orphan.unlink()
        return CompactResult(days, removed)

    def files_by_day(self, first_day: int, last_day: int) -> dict[int, list[str]]:
        """Live Parquet files per Asia/Shanghai day number, for days in ``[first_day, last_day]``."""
        return {
            iso_day_number(parts.day): [str(path) for path in parts.live]
            for parts in list_days(self.events_dir, day_iso(first_day), day_iso(last_day))
        }

    def live_files(self, first_day: str | None = None, last_day: str | None = None) -> list[Path]:
        return [path for parts in list_days(self.events_dir, first_day, last_day) for path in parts.live]
