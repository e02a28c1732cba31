"""Privacy operations on a store: de-identify a person's events, age out days past the retention period.

Both rewrite Parquet the way compaction does (the whole day into one sorted ``-c`` file with its funnel
index, under the exclusive lock; the rename is the commit point), so readers never see half a day. The
spool is loaded first, so every stored event is in Parquet when the day files are rewritten; rows spooled
meanwhile are rewritten in the spool.

De-identification (``forget``): each event of the given ``distinct_id`` s gets a fresh random
``anon:<hex>`` id used once, a fresh user number (the funnel cannot join the events again), a fresh uuid
(a client or server uuid may name an order) and its properties passed through ``scrub`` (the caller
removes what links back to the person). The ids' rows in the ``users`` table go. The ``seen`` table keeps
the old uuids, so a retried send of an old event is still recognised as a duplicate and not stored again.

Retention (``days_before`` / ``drop_days_before``): whole Asia/Shanghai days strictly before a day are
deleted with their funnel indexes; a day is dropped only when all its events are past the period.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .events import day_iso, day_start_us, iso_day_number
from .funnel_index import remove_funnel_index, write_funnel_index
from .layout import SCHEMA, day_parts, list_days, part_name, read_parts, write_table_atomically
from .store import EventStore

ANONYMOUS_PREFIX = "anon:"


def anonymous_id() -> str:
    """A fresh id used once: what a de-identified event carries instead of the person's id."""
    return f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex}"


def forget(store: EventStore, distinct_ids: Collection[str], *, scrub: Callable[[str], str]) -> int:
    """De-identify every stored event of ``distinct_ids`` (see the module docstring); returns how many.

    ``scrub`` takes the event's ``properties`` JSON text and returns the text to keep.
    """
    wanted = sorted({d for d in distinct_ids if d})
    wanted_set = set(wanted)
    if not wanted:
        return 0
    store.load()
    changed = 0
    with store.locked(exclusive=True):
        for parts in list_days(store.events_dir):
            hits = sum(
                pc.sum(
                    pc.is_in(pq.read_table(p, columns=["distinct_id"])["distinct_id"], pa.array(wanted))
                ).as_py()
                or 0
                for p in parts.live
            )
            if not hits:
                continue
            table = read_parts(parts.live)
            rows = table.to_pylist()
            fresh = [anonymous_id() for row in rows if row["distinct_id"] in wanted_set]
            numbers = store.spool.user_numbers(fresh)
            names = iter(fresh)
            for row in rows:
                if row["distinct_id"] in wanted_set:
                    new_id = next(names)
                    row.update(
                        distinct_id=new_id,
                        user_num=numbers[new_id],
                        uuid=str(uuid.uuid4()),
                        properties=scrub(row["properties"]),
                    )
            _rewrite_day(parts.live, pa.Table.from_pylist(rows, schema=SCHEMA), parts.day)
            changed += len(fresh)
        changed += _forget_spooled(store, wanted, scrub)
    return changed


def forget_spooled(store: EventStore, distinct_ids: Collection[str], *, scrub: Callable[[str], str]) -> int:
    """The spool's part of :func:`forget` (its rows of ``distinct_ids`` and their ``users`` numbers), under
    the exclusive lock: a backend that holds the loaded events elsewhere (ClickHouse) rewrites those."""
    with store.locked(exclusive=True):
        return _forget_spooled(store, sorted({d for d in distinct_ids if d}), scrub)


def _forget_spooled(store: EventStore, wanted: list[str], scrub: Callable[[str], str]) -> int:
    spooled = store.spool.spooled_of(wanted)
    fresh = [anonymous_id() for _ in spooled]
    numbers = store.spool.user_numbers(fresh)
    store.spool.replace_spooled(
        [
            replace(
                row,
                uuid=str(uuid.uuid4()),
                distinct_id=new_id,
                user_num=numbers[new_id],
                properties=scrub(row.properties),
            )
            for row, new_id in zip(spooled, fresh, strict=True)
        ],
        wanted,
    )
    return len(spooled)


def named_ids(store: EventStore) -> list[str]:
    """The ids of events not de-identified (every id the store numbered, without the ``anon:`` ones)."""
    return store.spool.named_ids(ANONYMOUS_PREFIX)


def _rewrite_day(live: Sequence[Path], table: pa.Table, day: str) -> None:
    directory = live[0].parent
    covered = max(int(path.name[5:17]) for path in live)
    target = directory / part_name(covered, compacted=True)
    write_funnel_index(table, target, day)  # before the file's rename commits it
    write_table_atomically(table, target)
    for stale in day_parts(directory).superseded:
        stale.unlink()
        remove_funnel_index(stale)


@dataclass(frozen=True)
class AgedDay:
    day: str  # YYYY-MM-DD
    events: int


def days_before(store: EventStore, first_kept: str) -> list[AgedDay]:
    """Stored days strictly before ``first_kept`` (ISO date) and their event counts (reads only)."""
    last = _previous_day(first_kept)
    return [
        AgedDay(parts.day, sum(pq.ParquetFile(p).metadata.num_rows for p in parts.live))
        for parts in list_days(store.events_dir, None, last)
    ]


def spooled_before(store: EventStore, first_kept: str) -> int:
    """Spooled events (not yet in Parquet) before ``first_kept`` (reads only)."""
    return store.spool.spooled_before(day_start_us(iso_day_number(first_kept)))


def drop_days_before(store: EventStore, first_kept: str) -> int:
    """Delete every day strictly before ``first_kept``; returns the number of events deleted."""
    store.load()
    removed = 0
    with store.locked(exclusive=True):
        for aged in days_before(store, first_kept):
            removed += aged.events
            shutil.rmtree(store.events_dir / f"date={aged.day}")
    return removed


def _previous_day(iso: str) -> str:
    return day_iso(iso_day_number(iso) - 1)
