"""Anchors: the chain head (seq, hash, time) copied to an append-only place outside the database.

Each anchor is one JSON line appended to ``<data dir>/audit-anchors.jsonl`` (or
``MALLOPS["AUDIT_ANCHOR_FILE"]``; keep it in the backup set) and one record in the application log (logger
``mallops.audit``, message ``audit anchor``). Written by the periodic job ``audit.tasks.audit_anchor``
(every ``ANCHOR_MINUTES``) and by ``mallops audit anchor``. ``mallops audit verify`` checks every anchor:
an anchor past the last row means rows were removed (truncation), a different hash at its seq means the
chain was rewritten, even when every link was recomputed.

Anchoring reads the head without locking it: the head row is committed state and an anchor is only a
copy of it, so appends never wait for the file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from mallops.audit.models import AuditChainHead

log = logging.getLogger("mallops.audit")
FILE_NAME = "audit-anchors.jsonl"
ANCHOR_MINUTES = 10


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    keyed_from_seq: int | None = None
    line: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at, "keyed_from_seq": self.keyed_from_seq}


class AnchorFileError(Exception):
    """A line of the anchor file cannot be read (the file was edited or damaged)."""


def anchor_path() -> Path:
    configured = settings.MALLOPS.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else Path(settings.DATA_DIR) / FILE_NAME


def _last_line(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        lines = handle.read().decode("utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def anchor_write(*, force: bool = False) -> Anchor | None:
    """Append the current head as an anchor (and log it); None when the chain is empty or unchanged
    since the last anchor (unless ``force``)."""
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.last_seq == 0:
        return None
    path = anchor_path()
    if not force and path.exists():
        try:
            last = json.loads(_last_line(path) or "null")
        except ValueError:
            last = None
        if isinstance(last, dict) and last.get("seq") == head.last_seq and last.get("hash") == head.last_hash:
            return None
    anchor = Anchor(
        seq=head.last_seq,
        hash=head.last_hash,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        keyed_from_seq=head.keyed_from_seq,
    )
    line = json.dumps(anchor.as_dict(), sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("audit anchor", extra={"audit_anchor": anchor.as_dict()})
    return anchor


def anchors_read(path: Path | None = None) -> Iterator[Anchor]:
    """Every anchor in file order; raises ``AnchorFileError`` naming the first unreadable line."""
    path = path or anchor_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                keyed = data.get("keyed_from_seq")
                yield Anchor(
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    at=str(data.get("at", "")),
                    keyed_from_seq=int(keyed) if keyed is not None else None,
                    line=number,
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise AnchorFileError(f"anchor file {path} line {number} is unreadable") from exc
