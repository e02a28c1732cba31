"""What backups and restore drills read of the analytics event store, registered by analytics.

Analytics sits above ops in the app graph (docs/adr/0006), so ops may not import its store; the event
store's owner registers these two reads when it starts (``AnalyticsConfig.ready``). Nobody registered
means the check fails closed (``LookupError``): a backup never records "0 events" for a store it could
not read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EventStoreReads:
    """``live_rows(events_dir)``: rows in the live Parquet parts under an ``events`` directory (superseded
    parts left by a compaction not counted). ``count_events(store_dir)``: (rows, distinct event names,
    live files) of the store in ``store_dir``, read under the store's shared lock."""

    live_rows: Callable[[Path], int]
    count_events: Callable[[Path], tuple[int, int, int]]


_READS: list[EventStoreReads] = []


def register_event_store_reads(reads: EventStoreReads) -> None:
    _READS[:] = [reads]


def event_store_reads() -> EventStoreReads:
    if not _READS:
        raise LookupError(
            "no app registered the event store reads (ops.event_store.register_event_store_reads)"
        )
    return _READS[0]
