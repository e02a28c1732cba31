"""Slow, obvious reference implementations of the funnel and retention definitions (issue text)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Event = tuple[str, str, int]  # (distinct_id, event, ts_us)


def _level(events: list[tuple[str, int]], steps: list[str], window: int, start: int, end: int) -> int:
    """Largest k with distinct events e1..ek matching steps[:k], non-decreasing, first in range, span <= window."""
    best = 0

    def extend(chain: list[int]) -> None:
        nonlocal best
        best = max(best, len(chain))
        if len(chain) == len(steps) or best == len(steps):
            return
        t1 = events[chain[0]][1]
        last = events[chain[-1]][1]
        for index, (name, ts) in enumerate(events):
            if index in chain or name != steps[len(chain)]:
                continue
            if ts >= last and ts - t1 <= window:
                extend([*chain, index])

    for index, (name, ts) in enumerate(events):
        if name == steps[0] and start <= ts < end:
            extend([index])
    return best


def funnel(events: list[Event], steps: list[str], window_us: int, start: int, end: int) -> list[int]:
    per_user: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for distinct_id, name, ts in events:
        per_user[distinct_id].append((name, ts))
    levels = [_level(evs, steps, window_us, start, end) for evs in per_user.values()]
    return [sum(1 for level in levels if level >= k) for k in range(1, len(steps) + 1)]


def local_date(ts_us: int) -> str:
    return (EPOCH + timedelta(microseconds=ts_us)).astimezone(SHANGHAI).date().isoformat()


def retention(
    events: list[Event], start_event: str, return_event: str, periods: int, start: int, end: int
) -> list[dict[str, object]]:
    first: dict[str, int] = {}
    for distinct_id, name, ts in events:
        if (
            name == start_event
            and start <= ts < end
            and (distinct_id not in first or ts < first[distinct_id])
        ):
            first[distinct_id] = ts
    cohorts: dict[str, dict[str, object]] = {}
    for distinct_id, t0 in first.items():
        date = local_date(t0)
        cohort = cohorts.setdefault(
            date, {"date": date, "size": 0, "retained": [set() for _ in range(periods)]}
        )
        cohort["size"] = int(cohort["size"]) + 1  # type: ignore[call-overload]
        for other_id, name, ts in events:
            if other_id != distinct_id or name != return_event or ts < t0:
                continue
            offset = (datetime.fromisoformat(local_date(ts)) - datetime.fromisoformat(date)).days
            if 0 <= offset < periods:
                cohort["retained"][offset].add(distinct_id)  # type: ignore[index]
    return [
        {"date": c["date"], "size": c["size"], "retained": [len(s) for s in c["retained"]]}  # type: ignore[union-attr]
        for _, c in sorted(cohorts.items())
    ]
