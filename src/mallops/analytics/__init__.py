"""Behaviour analytics: event collection (R3.1.1, R3.1.2), funnels (R3.2.4) and retention (R3.2.2).

Facade for other apps and the HTTP API; pure Python (no Django).

    store = open_store()                       # ${MALLOPS_DATA_DIR:-var}/analytics
    result = ingest_events(store, events)      # durable in the spool on return: acknowledge then
    store.load()                               # periodic job: spool -> Parquet
    store.compact()                            # periodic job: merge small parts per day
"""

from __future__ import annotations

from pathlib import Path

from .store.engine import Cohort, FunnelResult, FunnelStep, RetentionResult, funnel, retention
from .store.events import DEFAULT_POLICY, EventRecord, PersonalDataPolicy, channel_of, parse_timestamp
from .store.ingest import MAX_API_BATCH, IngestError, IngestResult, ingest_events, ingest_ndjson
from .store.queries import FunnelSpec, RetentionSpec
from .store.store import CompactResult, EventStore, default_store_dir


def open_store(path: Path | None = None) -> EventStore:
    """Open (creating if needed) the store at ``path`` or the default ``${MALLOPS_DATA_DIR:-var}/analytics``."""
    return EventStore(path if path is not None else default_store_dir())


__all__ = [
    "DEFAULT_POLICY",
    "MAX_API_BATCH",
    "Cohort",
    "CompactResult",
    "EventRecord",
    "EventStore",
    "FunnelResult",
    "FunnelSpec",
    "FunnelStep",
    "IngestError",
    "IngestResult",
    "PersonalDataPolicy",
    "RetentionResult",
    "RetentionSpec",
    "channel_of",
    "default_store_dir",
    "funnel",
    "ingest_events",
    "ingest_ndjson",
    "open_store",
    "parse_timestamp",
    "retention",
]
