"""Columnar funnel pass over day partitions (the embedded engine, R3.2.4).

DuckDB scans the Parquet files of each day and returns ``(user_num, ts_us, code)`` for the step events.
Every stored file is sorted by ``(user_num, ts_us)``, so per day and step name the composite keys
``user_num << 37 | (ts_us - day start)`` come out sorted without a sort at query time (a day with several
uncompacted parts is sorted here). The greedy chain of :mod:`.queries` is then taken for all candidate
first events at once with ``searchsorted``, moving to the next day when a user has no matching event
left in the current one. Users are counted with one boolean array per step indexed by user number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from .events import MICROS_PER_DAY, day_start_us, shanghai_day
from .queries import FunnelSpec

OFFSET_BITS: Final = 37  # a day has 86_400_000_000 us < 2**37
MAX_USER_NUM: Final = (1 << (63 - OFFSET_BITS)) - 1
_OFFSET_MASK: Final = (1 << OFFSET_BITS) - 1

I64 = npt.NDArray[np.int64]


class FunnelTooLarge(ValueError):
    """The store numbers more users than the embedded funnel can key (2**26)."""


@dataclass(frozen=True)
class DayColumns:
    """Step events of one Asia/Shanghai day."""

    day: int
    user_num: I64
    ts_us: I64
    code: npt.NDArray[np.uint8]
    # True when the rows are already sorted by (user_num, ts_us), as one stored file is: no check needed
    ordered: bool = False


@dataclass(frozen=True)
class DayKeys:
    """Step events of one day as sorted composite keys per step-name code (from the funnel index)."""

    day: int
    keys: list[I64]

    @property
    def highest_user(self) -> int:
        return max((int(keys[-1]) >> OFFSET_BITS for keys in self.keys if keys.size), default=0)


def _highest_user(columns: DayColumns) -> int:
    return int(columns.user_num[-1]) if columns.ordered else int(columns.user_num.max())


def _sorted_keys(columns: DayColumns, names: int) -> list[I64]:
    """Per step-name code, the sorted composite keys of that day's events."""
    if columns.user_num.size and _highest_user(columns) > MAX_USER_NUM:
        raise FunnelTooLarge(f"user numbers above {MAX_USER_NUM} are not supported by the embedded funnel")
    keys = columns.user_num << OFFSET_BITS
    keys |= columns.ts_us - day_start_us(columns.day)
    result: list[I64] = []
    for code in range(names):
        selected = keys[columns.code == code] if names > 1 else keys
        if not columns.ordered and selected.size > 1 and not bool(np.all(selected[1:] >= selected[:-1])):
            selected = np.sort(selected)
        result.append(selected)
    return result


def funnel_counts(spec: FunnelSpec, load_day: Callable[[int], DayColumns | DayKeys | None]) -> list[int]:
    """Users reaching each step; ``load_day(day)`` returns the day's step events or None when empty."""
    steps = len(spec.steps)
    if spec.to_us <= spec.from_us or spec.window_us < 0:
        return [0] * steps
    names = spec.names
    codes = [names.index(name) for name in spec.steps]
    first_day = shanghai_day(spec.from_us)
    last_start_day = shanghai_day(spec.to_us - 1)
    last_day = shanghai_day(spec.scan_end_us - 1)

    empty: list[I64] = [np.empty(0, dtype=np.int64) for _ in names]
    keys_by_day: dict[int, list[I64]] = {}
    max_user = 0
    for day in range(first_day, last_day + 1):
        columns = load_day(day)
        if isinstance(columns, DayKeys):
            keys_by_day[day] = columns.keys
            max_user = max(max_user, columns.highest_user)
            continue
        if columns is None or columns.user_num.size == 0:
            continue
        keys_by_day[day] = _sorted_keys(columns, len(names))
        max_user = max(max_user, _highest_user(columns))

    def day_keys(day: int) -> list[I64]:
        return keys_by_day.get(day, empty)

    # candidate first events, grouped by day; when the first step's name is not reused later, a first
    # event followed by another one of the same user with no second-step event in between is dropped
    prune = steps > 1 and codes[0] not in codes[1:]
    user_parts: list[I64] = []
    ts_parts: list[I64] = []
    day_parts: list[I64] = []
    pos_parts: list[I64] = []
    for day in range(first_day, last_start_day + 1):
        keys = day_keys(day)[codes[0]]
        if keys.size == 0:
            continue
        start = day_start_us(day)
        if spec.from_us <= start and start + MICROS_PER_DAY <= spec.to_us:
            inside = np.arange(keys.size, dtype=np.int64)
            if prune:
                inside = _undominated(keys, day_keys(day)[codes[1]], inside)
        else:
            offsets = keys & _OFFSET_MASK
            inside = np.flatnonzero((offsets >= spec.from_us - start) & (offsets < spec.to_us - start))
            if prune:
                inside = _undominated(keys[inside], day_keys(day)[codes[1]], inside)
        selected = keys[inside]
        user_parts.append(selected >> OFFSET_BITS)
        ts_parts.append((selected & _OFFSET_MASK) + start)
        day_parts.append(np.full(inside.size, day, dtype=np.int64))
        pos_parts.append(inside)
    counts = [0] * steps
    if not user_parts:
        return counts
    user = np.concatenate(user_parts)
    first_ts = np.concatenate(ts_parts)
    # chosen (day, position) per step; the chain state of each surviving candidate
    chosen: list[tuple[I64, I64]] = [(np.concatenate(day_parts), np.concatenate(pos_parts))]
    current_ts = first_ts
    counts[0] = _count_users(user, max_user)

    for step in range(1, steps):
        code = codes[step]
        previous_same = max((i for i in range(step) if codes[i] == code), default=-1)
        found_day, found_pos, found_ts, alive = _advance(
            spec,
            day_keys,
            code,
            user,
            first_ts,
            current_ts,
            chosen[-1][0],
            chosen[previous_same] if previous_same >= 0 else None,
        )
        user = user[alive]
        first_ts = first_ts[alive]
        current_ts = found_ts
        chosen = [(days[alive], positions[alive]) for days, positions in chosen]
        chosen.append((found_day, found_pos))
        counts[step] = _count_users(user, max_user)
        if user.size == 0:
            break
    return counts


def _undominated(first: I64, second: I64, positions: I64) -> I64:
    """``positions`` of the sorted first-step keys ``first`` that no later first event of the same user
    dominates. When first events at t_a <= t_b of one user (both in range) have no second-step event in
    [t_a, t_b), every chain from t_a takes its later steps at or after t_b, so the same events complete a
    chain from t_b with a shorter span: the event at t_a adds nothing.
    """
    if first.size < 2:
        return positions
    users = first >> OFFSET_BITS
    keep = np.ones(first.size, dtype=np.bool_)
    np.not_equal(users[1:], users[:-1], out=keep[:-1])
    if second.size:
        # a second-step key s lies in [first[i], first[i + 1]) exactly when i + 1 first keys are <= s
        between = np.searchsorted(first, second, side="right") - 1
        keep[between[(between >= 0) & (between < first.size - 1)]] = True
    return positions[keep]


def _count_users(user: I64, max_user: int) -> int:
    reached = np.zeros(max_user + 1, dtype=np.bool_)
    reached[user] = True
    return int(np.count_nonzero(reached))


def _advance(
    spec: FunnelSpec,
    day_keys: Callable[[int], list[I64]],
    code: int,
    user: I64,
    first_ts: I64,
    current_ts: I64,
    current_day: I64,
    same_name: tuple[I64, I64] | None,
) -> tuple[I64, I64, I64, npt.NDArray[np.bool_]]:
    """Greedy next event of name ``code`` for every chain; returns its day, position, time and a mask of
    the chains that found one within the window (the returned arrays hold only those chains).
    """
    size = user.size
    found_day = np.full(size, -1, dtype=np.int64)
    found_pos = np.zeros(size, dtype=np.int64)
    found_ts = np.zeros(size, dtype=np.int64)
    alive = np.zeros(size, dtype=np.bool_)
    if size == 0:
        return found_day, found_pos, found_ts, alive
    lowest = int(current_day.min())
    order = np.argsort((current_day - lowest).astype(np.uint16), kind="stable")
    sorted_days = current_day[order]
    last_day = shanghai_day(spec.scan_end_us - 1)
    carry = np.empty(0, dtype=np.int64)
    day = lowest
    while day <= last_day:
        begin, end = np.searchsorted(sorted_days, [day, day + 1])
        pending = order[begin:end]
        if carry.size:
            pending = np.concatenate([pending, carry]) if pending.size else carry
        if pending.size == 0:
            if begin >= size:
                break
            day = int(sorted_days[begin])
            continue
        start = day_start_us(day)
        keys = day_keys(day)[code]
        offset = np.maximum(current_ts[pending] - start, 0)
        target = (user[pending] << OFFSET_BITS) | offset
        position = np.searchsorted(keys, target, side="left")
        if same_name is not None:
            used_day, used_pos = same_name
            same_day = used_day[pending] == day
            position = np.where(same_day, np.maximum(position, used_pos[pending] + 1), position)
        exists = position < keys.size
        candidate = keys[np.minimum(position, max(keys.size - 1, 0))] if keys.size else np.zeros_like(target)
        exists &= (candidate >> OFFSET_BITS) == user[pending]
        hit_ts = (candidate & _OFFSET_MASK) + start
        hit = exists & (hit_ts - first_ts[pending] <= spec.window_us)
        hits = pending[hit]
        found_day[hits] = day
        found_pos[hits] = position[hit]
        found_ts[hits] = hit_ts[hit]
        alive[hits] = True
        # no event of this name left today: look at tomorrow while it can still lie inside the window
        next_start = start + MICROS_PER_DAY
        missing = pending[~exists]
        carry = missing[next_start - first_ts[missing] <= spec.window_us]
        day += 1
    return found_day[alive], found_pos[alive], found_ts[alive], alive


def as_day_columns(
    day: int, user_num: Sequence[int], ts_us: Sequence[int], code: Sequence[int]
) -> DayColumns:
    return DayColumns(
        day,
        np.asarray(user_num, dtype=np.int64),
        np.asarray(ts_us, dtype=np.int64),
        np.asarray(code, dtype=np.uint8),
    )
