"""Ingestion: validate, filter personal data, deduplicate by uuid and spool durably.

``ingest_events`` is what the HTTP API calls for a batch; ``ingest_ndjson`` serves the CLI. Both return
only after the accepted events are fsync'd in the spool, so acknowledging afterwards never loses an
event; loading into Parquet is a separate step (:meth:`EventStore.load`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .events import EventError, EventRecord, normalise_event
from .store import EventStore

MAX_REPORTED_ERRORS: Final = 100
MAX_API_BATCH: Final = 1_000
_SPOOL_CHUNK: Final = 20_000


@dataclass(frozen=True)
class IngestError:
    line: int  # 1-based line of the file, or 1-based position in an API batch
    msg: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "msg": self.msg}


@dataclass
class IngestResult:
    ingested: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[IngestError] = field(default_factory=list)  # the first 100, in input order

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [error.as_dict() for error in self.errors],
        }

    def _reject(self, line: int, msg: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(IngestError(line, msg))


def _ingest(store: EventStore, items: Iterable[tuple[int, object]]) -> IngestResult:
    """``items`` are (position, decoded JSON or EventError) pairs in input order."""
    result = IngestResult()
    prop_filter = store.property_filter
    batch: list[EventRecord] = []

    def flush() -> None:
        accepted = store.spool.append(batch)
        fresh = sum(accepted)
        result.ingested += fresh
        result.duplicates += len(accepted) - fresh
        batch.clear()

    for position, raw in items:
        if isinstance(raw, EventError):
            result._reject(position, str(raw))
            continue
        try:
            batch.append(normalise_event(raw, prop_filter))
        except EventError as exc:
            result._reject(position, str(exc))
            continue
        if len(batch) >= _SPOOL_CHUNK:
            flush()
    if batch:
        flush()
    return result


def ingest_events(store: EventStore, events: list[dict[str, Any]]) -> IngestResult:
    """Spool a batch of decoded events (the ``POST /api/v1/events`` body).

    Each event is ``{"uuid", "event", "distinct_id", "timestamp", "properties"?}``. Invalid events are
    rejected individually (``IngestError.line`` is the 1-based position in ``events``); an event whose
    uuid was already accepted (earlier in the batch or in any earlier ingest) counts as a duplicate and
    changes nothing. On return the accepted events are durable; callers may acknowledge. The API should
    refuse batches above ``MAX_API_BATCH`` before calling. Raises ``sqlite3.Error`` when the spool cannot
    be written (then nothing of the batch is accepted).
    """
    return _ingest(store, enumerate(events, start=1))


def _decode_lines(data: bytes) -> Iterator[tuple[int, object]]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # a final newline ends the last line; it does not start another
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            yield number, EventError("empty line")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, EventError("not valid UTF-8")
            continue
        try:
            yield number, json.loads(text)
        except ValueError:
            yield number, EventError("not valid JSON")


def ingest_ndjson(store: EventStore, path: Path) -> IngestResult:
    """Spool the events of an NDJSON file; ``IngestError.line`` numbers lines from 1.

    Raises ``OSError`` when the file cannot be read.
    """
    return _ingest(store, _decode_lines(path.read_bytes()))
