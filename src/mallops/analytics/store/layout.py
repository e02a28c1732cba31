"""Parquet layout: ``events/date=YYYY-MM-DD/part-<seq>.parquet`` per Asia/Shanghai day.

Part names carry the spool sequence number of the load that wrote them. Compaction merges the live
parts of a day into ``part-<seq>-c.parquet`` where ``<seq>`` is the highest sequence number it covers;
that file supersedes every part of the day with a sequence number not above it. The atomic rename of
the compacted file is therefore the commit point: a crash before it leaves the old parts live, a crash
after it leaves superseded parts that readers ignore and the next compaction deletes.

Every file is sorted by ``(user_num, ts_us)``, which the funnel engine relies on. Compaction also gives a
day's single live file its funnel index (``part-….parquet.keys.json`` and ``.keys.npy``, see
:mod:`.funnel_index`); the part listing here ignores those files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from .events import day_iso

SCHEMA: Final = pa.schema(
    [
        pa.field("uuid", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("distinct_id", pa.string(), nullable=False),
        pa.field("user_num", pa.int64(), nullable=False),
        pa.field("ts_us", pa.int64(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("properties", pa.string(), nullable=False),
    ]
)
_PART = re.compile(r"part-(\d{12})(-c)?\.parquet\Z")
_DAY_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})\Z")


@dataclass(frozen=True)
class DayParts:
    day: str  # YYYY-MM-DD
    live: tuple[Path, ...]
    superseded: tuple[Path, ...]

    @property
    def is_single_file(self) -> bool:
        return len(self.live) == 1


def day_dir(events_dir: Path, day: int) -> Path:
    return events_dir / f"date={day_iso(day)}"


def part_name(seq: int, *, compacted: bool = False) -> str:
    return f"part-{seq:012d}{'-c' if compacted else ''}.parquet"


def day_parts(directory: Path) -> DayParts:
    parts: list[tuple[int, bool, Path]] = []
    for entry in directory.iterdir():
        match = _PART.match(entry.name)
        if match:
            parts.append((int(match.group(1)), match.group(2) is not None, entry))
    covered = max((seq for seq, compacted, _ in parts if compacted), default=-1)
    live: list[Path] = []
    superseded: list[Path] = []
    for seq, compacted, path in sorted(parts, key=lambda item: (item[0], not item[1])):
        is_live = (compacted and seq == covered) or (not compacted and seq > covered)
        (live if is_live else superseded).append(path)
    match = _DAY_DIR.match(directory.name)
    assert match is not None
    return DayParts(match.group(1), tuple(live), tuple(superseded))


def list_days(events_dir: Path, first: str | None = None, last: str | None = None) -> list[DayParts]:
    """Live parts per day, in date order, for days with ``first <= day <= last`` (ISO dates)."""
    if not events_dir.is_dir():
        return []
    days: list[DayParts] = []
    for entry in sorted(events_dir.iterdir()):
        match = _DAY_DIR.match(entry.name)
        if match is None or not entry.is_dir():
            continue
        day = match.group(1)
        if (first is not None and day < first) or (last is not None and day > last):
            continue
        parts = day_parts(entry)
        if parts.live:
            days.append(parts)
    return days


def write_table_atomically(table: pa.Table, target: Path) -> None:
    """Write a Parquet file sorted by (user_num, ts_us) under a temporary name, fsync, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    ordered = table.sort_by([("user_num", "ascending"), ("ts_us", "ascending")])
    temporary = target.with_name(f".tmp-{target.name}")
    pq.write_table(
        ordered.cast(SCHEMA),
        temporary,
        compression="lz4",
        use_dictionary=["event", "channel"],
        row_group_size=1 << 20,
    )
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_parts(paths: Sequence[Path]) -> pa.Table:
    return pa.concat_tables([pq.read_table(path, schema=SCHEMA) for path in paths])
