"""Funnel index of a day's Parquet file: the composite keys the funnel pass needs, ready to use.

For a day stored as one Parquet file ``part-….parquet``, compaction also writes
``part-….parquet.keys.json`` (the event names and where each one's keys start and end) and
``part-….parquet.keys.npy`` (int64, little-endian): for every event name in turn, the sorted keys
``user_num << 37 | (ts_us - day start)`` of that name's events. The funnel then maps just the names it
asks for (no Parquet decoding, no per-row name lookup, no key building, no sort) and the keys are read
from the page cache as they are searched. The index is derived data: a day without one (several
uncompacted parts, a file written before indexes existed, user numbers above 2**26) is read from Parquet,
with the same result (the property tests compare both paths with the oracle).

Write order: the JSON, then the ``.npy`` (its rename makes the index complete), then the Parquet file's own
rename (compaction's commit point); a reader uses an index only when both files exist next to a live part.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .events import MICROS_PER_DAY, day_start_us, iso_day_number
from .funnel import MAX_USER_NUM, OFFSET_BITS

KEYS_SUFFIX: Final = ".keys.npy"
BOUNDS_SUFFIX: Final = ".keys.json"

I64 = npt.NDArray[np.int64]


def index_paths(part: Path) -> tuple[Path, Path]:
    return part.with_name(part.name + BOUNDS_SUFFIX), part.with_name(part.name + KEYS_SUFFIX)


def _fsync_replace(temporary: Path, target: Path) -> None:
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def write_funnel_index(table: pa.Table, part: Path, day_iso: str) -> bool:
    """Write the index of ``table`` (the day's rows, any order) for the Parquet file ``part``.

    Returns False (and writes nothing) when the rows cannot be keyed: a user number outside
    ``0..2**26-1`` or a timestamp outside the day.
    """
    start = day_start_us(iso_day_number(day_iso))
    users = table.column("user_num").to_numpy()
    offsets = table.column("ts_us").to_numpy() - start
    if users.size and (
        int(users.min()) < 0
        or int(users.max()) > MAX_USER_NUM
        or int(offsets.min()) < 0
        or int(offsets.max()) >= MICROS_PER_DAY
    ):
        return False
    events = table.column("event").combine_chunks().dictionary_encode()
    names: list[str] = events.dictionary.to_pylist()
    codes = events.indices.to_numpy(zero_copy_only=False)
    keys = (users.astype(np.int64) << OFFSET_BITS) | offsets.astype(np.int64)
    order = np.lexsort((keys, codes))  # by name, then key
    ordered_keys = np.ascontiguousarray(keys[order], dtype="<i8")
    counts = np.bincount(codes, minlength=len(names)) if names else np.zeros(0, np.int64)
    # lexsort grouped the keys by dictionary code; record each name's slice
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    bounds = {name: [int(starts[code]), int(starts[code + 1])] for code, name in enumerate(names)}
    bounds_path, keys_path = index_paths(part)
    part.parent.mkdir(parents=True, exist_ok=True)
    temporary = bounds_path.with_name(".tmp-" + bounds_path.name)
    temporary.write_text(json.dumps({"bounds": bounds, "rows": int(keys.size)}), encoding="utf-8")
    _fsync_replace(temporary, bounds_path)
    temporary = keys_path.with_name(".tmp-" + keys_path.name)
    with open(temporary, "wb") as handle:
        np.save(handle, ordered_keys)
    _fsync_replace(temporary, keys_path)
    return True


def remove_funnel_index(part: Path) -> None:
    for path in index_paths(part):
        path.unlink(missing_ok=True)


def read_funnel_index(part: Path, names: tuple[str, ...]) -> list[I64] | None:
    """Per name of ``names``, its sorted keys in the day of ``part`` (views of the mapped file); None when
    the part has no complete index."""
    bounds_path, keys_path = index_paths(part)
    try:
        bounds: dict[str, list[int]] = json.loads(bounds_path.read_text("utf-8"))["bounds"]
        mapped = np.load(keys_path, mmap_mode="r")
    except (FileNotFoundError, ValueError, KeyError):
        return None
    keys: I64 = mapped.view(np.ndarray)
    empty = np.empty(0, dtype=np.int64)
    result: list[I64] = []
    for name in names:
        span = bounds.get(name)
        result.append(keys[span[0] : span[1]] if span else empty)
    return result
