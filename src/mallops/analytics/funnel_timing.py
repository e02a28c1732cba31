"""Time to convert in a funnel (R3.2.4): per step, how long users took from their first step to it.

Pure Python over ``(user, ts_us, code)`` rows, with the store's funnel definition: a chain of distinct
events e1..ek with non-decreasing times, ``from <= t1 < to`` and ``tk - t1 <= window``. For a fixed first
event the greedy chain (earliest unused matching event at or after the previous one) reaches the most
steps and reaches each step as early as possible, so a user's time to step k is the minimum of
``tk - t1`` over the first events whose greedy chain gets there. The users counted per step therefore equal
the engine's funnel counts (tested), and the times come with them.
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mallops.analytics.store.queries import FunnelSpec


@dataclass(frozen=True)
class StepTiming:
    users: int
    median_s: float | None
    mean_s: float | None


def _user_times(events: list[tuple[int, int]], spec: FunnelSpec, codes: Sequence[int]) -> list[int | None]:
    """Minimal ``tk - t1`` per step (None when not reached) for one user's events sorted by time."""
    by_code: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for index, (ts, code) in enumerate(events):
        by_code[code].append((ts, index))
    best: list[int | None] = [None] * len(codes)
    for t1, first_index in by_code.get(codes[0], []):
        if not spec.from_us <= t1 < spec.to_us:
            continue
        best[0] = 0
        used = {first_index}
        previous = t1
        for step in range(1, len(codes)):
            candidates = by_code.get(codes[step], [])
            position = bisect.bisect_left(candidates, (previous, -1))
            chosen = None
            while position < len(candidates):
                ts, index = candidates[position]
                if ts - t1 > spec.window_us:
                    break
                if index not in used:
                    chosen = (ts, index)
                    break
                position += 1
            if chosen is None:
                break
            used.add(chosen[1])
            previous = chosen[0]
            elapsed = chosen[0] - t1
            current = best[step]
            if current is None or elapsed < current:
                best[step] = elapsed
    return best


def funnel_timing(rows: Iterable[tuple[str, int, int]], spec: FunnelSpec) -> list[StepTiming]:
    """``rows`` are ``(user, ts_us, code)`` with code = index in ``spec.names``."""
    names = spec.names
    codes = [names.index(name) for name in spec.steps]
    per_user: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for user, ts, code in rows:
        per_user[user].append((ts, code))
    reached: list[list[float]] = [[] for _ in codes]
    for events in per_user.values():
        events.sort()
        for step, elapsed in enumerate(_user_times(events, spec, codes)):
            if elapsed is not None:
                reached[step].append(elapsed / 1_000_000)
    return [
        StepTiming(
            len(times),
            statistics.median(times) if times else None,
            statistics.fmean(times) if times else None,
        )
        for times in reached
    ]
