"""Reads of the analytics app: funnel, retention, paths, statistics and channels over the event store.

Identity resolution (R4.1.3): every query can count an alias (anonymous id, another channel's id) under
the person it was merged into (:class:`~mallops.analytics.models.IdentityAlias`). With no alias in play the
results are exactly those of the store's engine, i.e. of ``mallops analytics funnel|retention``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from mallops.analytics import querying, stats
from mallops.analytics.channels import LABELS, ChannelGroup, channel_group
from mallops.analytics.models import IdentityAlias
from mallops.analytics.storage import get_store
from mallops.analytics.store.engine import funnel, funnel_result, retention, retention_result
from mallops.analytics.store.events import (
    MICROS_PER_DAY,
    SHANGHAI_OFFSET_MICROS,
    EventError,
    parse_timestamp,
    shanghai_day,
)
from mallops.analytics.store.funnel import DayColumns, funnel_counts
from mallops.analytics.store.queries import FunnelSpec, RetentionSpec, retention_sql, sql_string
from mallops.core.errors import FieldError, validation_error

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


MIN_US = 0  # 1970-01-01T00:00:00Z
MAX_US = 7_258_118_400_000_000  # 2200-01-01T00:00:00Z
MAX_WINDOW_S = 366 * 86_400


def instant(text: str, field: str) -> int:
    """ISO 8601 date-time with an offset, 1970 to 2200 -> UTC microseconds (422 naming the field otherwise)."""
    try:
        value = parse_timestamp(text)
    except EventError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            raise validation_error(
                [FieldError(("query", field), "An ISO 8601 date-time with an offset is required.")]
            ) from None
        try:
            delta = moment - _EPOCH
        except OverflowError:
            delta = None
        value = (
            -1 if delta is None else (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        )
    if not MIN_US <= value <= MAX_US:
        raise validation_error([FieldError(("query", field), "Between 1970 and 2200.", "range")])
    return value


def check_day(day: date | None, field: str) -> None:
    """422 unless ``day`` is None or between 1971-01-01 and 2199-12-31."""
    if day is not None and not date(1971, 1, 1) <= day <= date(2199, 12, 31):
        raise validation_error([FieldError(("query", field), "Between 1971 and 2199.", "range")])


def to_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def funnel_spec(*, steps: str, window: float, from_: str, to: str) -> FunnelSpec:
    names = tuple(step.strip() for step in steps.split(","))
    if not names or any(not name for name in names):
        raise validation_error([FieldError(("query", "steps"), "Comma-separated event names, none empty.")])
    if not 0 <= window <= MAX_WINDOW_S:
        raise validation_error([FieldError(("query", "window"), "Seconds, from 0 to 366 days.")])
    return FunnelSpec(names, round(window * 1_000_000), instant(from_, "from"), instant(to, "to"))


def retention_spec(
    *, start_event: str, return_event: str, periods: int, from_: str, to: str
) -> RetentionSpec:
    if not 1 <= periods <= 366:
        raise validation_error([FieldError(("query", "periods"), "Between 1 and 366 periods.")])
    return RetentionSpec(start_event, return_event, periods, instant(from_, "from"), instant(to, "to"))


def recent_event_names(*, limit: int = 200) -> list[str]:
    """Event names in the store (for the console's event pickers), by name, at most ``limit``: one column
    of the event files is read."""
    with querying.events(0, None, {}) as query:
        if query.source is None:
            return []
        rows = query.fetch(f"SELECT DISTINCT event FROM {query.source} ORDER BY event LIMIT {int(limit)}")
    return [str(row[0]) for row in rows]


def alias_map() -> dict[str, str]:
    return dict(IdentityAlias.objects.values_list("alias_id", "distinct_id"))


def _day_of(ts: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return (ts + SHANGHAI_OFFSET_MICROS) // MICROS_PER_DAY


def _funnel_rows(spec: FunnelSpec, aliases: dict[str, str]) -> list[tuple[str, int, int]]:
    """``(distinct_id, ts_us, code)`` of the step events that can take part (identity-resolved)."""
    names = spec.names
    cases = " ".join(f"WHEN {sql_string(name)} THEN {code}" for code, name in enumerate(names))
    with querying.events(shanghai_day(spec.from_us), shanghai_day(spec.scan_end_us - 1), aliases) as query:
        if query.source is None:
            return []
        return query.fetch(
            f"SELECT distinct_id, ts_us, CASE event {cases} END AS code FROM {query.source} "
            f"WHERE event IN ({', '.join(sql_string(name) for name in names)}) "
            f"AND ts_us >= {spec.from_us} AND ts_us < {spec.scan_end_us}"
        )


def _resolved_funnel_counts(spec: FunnelSpec, aliases: dict[str, str]) -> list[int]:
    rows = _funnel_rows(spec, aliases)
    if not rows:
        return [0] * len(spec.steps)
    ids = np.asarray([row[0] for row in rows], dtype=object)
    _, inverse = np.unique(ids, return_inverse=True)
    users = inverse.astype(np.int64)
    ts = np.asarray([row[1] for row in rows], dtype=np.int64)
    codes = np.asarray([row[2] for row in rows], dtype=np.uint8)
    days = _day_of(ts)
    by_day: dict[int, DayColumns] = {}
    for day in np.unique(days):
        keep = days == day
        by_day[int(day)] = DayColumns(int(day), users[keep], ts[keep], codes[keep])
    return funnel_counts(spec, by_day.get)


MAX_TIMING_ROWS = 2_000_000


def funnel_report(spec: FunnelSpec, *, resolve_identity: bool = True, timing: bool = False) -> dict[str, Any]:
    """Users per step with conversion from the first step and drop-off from the previous one (R3.2.4);
    with ``timing``, the median and mean seconds from the first step to each step (up to 2 million rows)."""
    aliases = alias_map() if resolve_identity else {}
    backend = querying.clickhouse()
    if backend is not None:
        with querying.events(0, None, aliases) as query:
            assert query.source is not None
            result = backend.funnel(spec, query.source)
    elif aliases:
        counts = _resolved_funnel_counts(spec, aliases)
        result = funnel_result(spec, counts)
    else:
        store = get_store()
        store.load()
        result = funnel(store, spec)
    steps: list[dict[str, Any]] = []
    first = result.steps[0].users if result.steps else 0
    previous: int | None = None
    for step in result.steps:
        steps.append(
            {
                "event": step.event,
                "users": step.users,
                "conversion": None if first == 0 else step.users / first,
                "drop_off": None if previous in (None, 0) else 1 - step.users / previous,
            }
        )
        previous = step.users
    if timing:
        from mallops.analytics.funnel_timing import funnel_timing

        rows = _funnel_rows(spec, aliases)
        timings = funnel_timing(rows, spec) if len(rows) <= MAX_TIMING_ROWS else None
        for index, row in enumerate(steps):
            row["median_seconds"] = None if timings is None else timings[index].median_s
            row["mean_seconds"] = None if timings is None else timings[index].mean_s
    return {"steps": steps, "identity_resolved": bool(aliases)}


def _iso_day(text: str) -> int:
    return (date.fromisoformat(text) - date(1970, 1, 1)).days


def retention_report(spec: RetentionSpec, *, resolve_identity: bool = True) -> dict[str, Any]:
    """Cohorts by the Shanghai day of their first start event; per cohort the users retained on day k,
    the rates, and ``reached``: how many periods have begun by today (the others are not 0, they are
    not known yet)."""
    from django.utils import timezone

    today = shanghai_day(to_us(timezone.now()))
    aliases = alias_map() if resolve_identity else {}
    backend = querying.clickhouse()
    if backend is not None:
        with querying.events(0, None, aliases) as query:
            assert query.source is not None
            data = backend.retention(spec, query.source).as_dict()
    elif not aliases:
        store = get_store()
        store.load()
        data = retention(store, spec).as_dict()
    else:
        with querying.events(shanghai_day(spec.from_us), None, aliases) as query:
            source = query.source
            rows = [] if source is None else query.fetch(retention_sql(spec, source, "duckdb"))
        data = retention_result(spec, rows).as_dict()
    for cohort in data["cohorts"]:
        cohort["rates"] = [n / cohort["size"] for n in cohort["retained"]]
        # periods whose day has begun (Asia/Shanghai); later periods are not reached yet (blank, not 0 %)
        cohort["reached"] = max(0, min(spec.periods, today - _iso_day(cohort["date"]) + 1))
    data["identity_resolved"] = bool(aliases)
    return data


# --- paths (R3.2.6) ------------------------------------------------------------------------------------

EXIT = "$exit"
START = "$start"


def _sequences(from_us: int, to_us: int) -> dict[str, list[str]]:
    """Each (identity-resolved) user's events in the range, in time order."""
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), alias_map()) as query:
        if query.source is None:
            return {}
        rows = query.fetch(
            f"SELECT distinct_id, event FROM {query.source} WHERE ts_us >= {from_us} AND ts_us < {to_us} "
            "ORDER BY distinct_id, ts_us, event"
        )
    sequences: dict[str, list[str]] = defaultdict(list)
    for distinct_id, event in rows:
        sequences[distinct_id].append(event)
    return sequences


def paths_report(*, event: str, from_us: int, to_us: int, depth: int = 3, top: int = 10) -> dict[str, Any]:
    """Paths of up to ``depth`` events before and after each user's first ``event`` in the range, and
    the exit nodes: for every event, how many users ended their journey there (the last event in range).

    ``$start`` marks a path that begins before ``depth`` events, ``$exit`` one that ends (the user left).
    """
    depth = max(1, min(depth, 10))
    top = max(1, min(top, 100))
    sequences = _sequences(from_us, to_us)
    before: Counter[tuple[str, ...]] = Counter()
    after: Counter[tuple[str, ...]] = Counter()
    next_step: Counter[str] = Counter()
    users = 0
    exits: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    for sequence in sequences.values():
        exits[sequence[-1]] += 1
        for name in set(sequence):
            visits[name] += 1
        if event not in sequence:
            continue
        users += 1
        index = sequence.index(event)
        head = sequence[max(0, index - depth) : index]
        tail = sequence[index + 1 : index + 1 + depth]
        before[tuple(([START] if index - depth < 0 else []) + head)] += 1
        after[tuple(tail + ([EXIT] if len(tail) < depth else []))] += 1
        next_step[sequence[index + 1] if index + 1 < len(sequence) else EXIT] += 1
    exit_nodes: list[dict[str, Any]] = [
        {"event": name, "users": visits[name], "exits": count, "exit_rate": count / visits[name]}
        for name, count in sorted(exits.items(), key=lambda item: (-item[1], item[0]))
    ]
    return {
        "event": event,
        "users": users,
        "before": [
            {"path": list(path), "users": n}
            for path, n in sorted(before.items(), key=lambda i: (-i[1], i[0]))[:top]
        ],
        "after": [
            {"path": list(path), "users": n}
            for path, n in sorted(after.items(), key=lambda i: (-i[1], i[0]))[:top]
        ],
        "next": [
            {"event": name, "users": n} for name, n in sorted(next_step.items(), key=lambda i: (-i[1], i[0]))
        ],
        "exit_nodes": exit_nodes[:top],
    }


# --- descriptive statistics (R3.1.4) -------------------------------------------------------------------


def property_values(
    *, event: str, properties: Sequence[str], from_us: int, to_us: int
) -> list[dict[str, float]]:
    """Numeric values of the named properties, one dict per event (non-numeric values left out)."""
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), {}) as query:
        if query.source is None:
            return []
        rows = query.fetch(
            f"SELECT properties FROM {query.source} WHERE event = {sql_string(event)} "
            f"AND ts_us >= {from_us} AND ts_us < {to_us} ORDER BY ts_us, raw_id"
        )
    result: list[dict[str, float]] = []
    for (text,) in rows:
        data = json.loads(text)
        values: dict[str, float] = {}
        for name in properties:
            value = data.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[name] = float(value)
        result.append(values)
    return result


def stats_report(*, event: str, properties: Sequence[str], from_us: int, to_us: int) -> dict[str, Any]:
    if not properties:
        raise validation_error([FieldError(("query", "properties"), "Name at least one numeric property.")])
    rows = property_values(event=event, properties=properties, from_us=from_us, to_us=to_us)
    described = {
        name: stats.describe([row[name] for row in rows if name in row]).as_dict() for name in properties
    }
    correlation: list[dict[str, Any]] = []
    for i, a in enumerate(properties):
        for b in properties[i + 1 :]:
            pairs = [(row[a], row[b]) for row in rows if a in row and b in row]
            correlation.append(
                {
                    "x": a,
                    "y": b,
                    "pairs": len(pairs),
                    "pearson": stats.pearson([p[0] for p in pairs], [p[1] for p in pairs]),
                }
            )
    return {"event": event, "events": len(rows), "properties": described, "correlation": correlation}


# --- channels (R4.1.1) ---------------------------------------------------------------------------------


def channel_report(*, from_us: int, to_us: int, conversion_event: str = "order_paid") -> dict[str, Any]:
    """First-touch channel group of each (identity-resolved) user in the range, and how many converted.

    The suggestion moves budget towards groups converting above the overall rate (and away from those
    below), in proportion to the gap.
    """
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), alias_map()) as query:
        if query.source is None:
            rows: list[tuple[Any, ...]] = []
        else:
            converts = f"event = {sql_string(conversion_event)}"
            first_channel, converted_any = (
                ("argMinIf(channel, ts_us, channel <> 'direct')", f"max({converts})")
                if query.dialect == "clickhouse"
                else ("arg_min(channel, ts_us) FILTER (WHERE channel <> 'direct')", f"bool_or({converts})")
            )
            rows = query.fetch(
                f"SELECT distinct_id, {first_channel}, {converted_any} FROM {query.source} "
                f"WHERE ts_us >= {from_us} AND ts_us < {to_us} GROUP BY distinct_id"
            )
    users: Counter[ChannelGroup] = Counter()
    converted: Counter[ChannelGroup] = Counter()
    for _distinct_id, channel, did_convert in rows:
        group = channel_group(channel or "direct")
        users[group] += 1
        converted[group] += bool(did_convert)
    total_users = sum(users.values())
    overall = sum(converted.values()) / total_users if total_users else 0.0
    groups = []
    for group in ChannelGroup:
        n = users[group]
        rate = converted[group] / n if n else None
        suggestion = "keep"
        if rate is not None and overall > 0 and n >= 30:
            if rate > overall * 1.1:
                suggestion = "increase"
            elif rate < overall * 0.9:
                suggestion = "decrease"
        groups.append(
            {
                "channel": group.value,
                "label": LABELS[group],
                "users": n,
                "converted": converted[group],
                "conversion": rate,
                "budget": suggestion,
            }
        )
    return {
        "conversion_event": conversion_event,
        "users": total_users,
        "overall_conversion": overall,
        "channels": groups,
    }


def period_metric_values(*, start: date, end: date) -> dict[str, float | int | None]:
    """Every analytics KPI (``metrics.METRICS`` keys: ``gmv_fen``, ``conversion_rate``...) for the Beijing
    days ``start..end`` inclusive, for the scorecards (R8.1.2)."""
    from mallops.analytics import metrics
    from mallops.analytics.facts import load_rows

    from_us, until_us = metrics.period_bounds(start, end)
    return metrics.compute(metrics.facts_between(load_rows(from_us, until_us), from_us, until_us))


@dataclass(frozen=True)
class BuyerSegment:
    """One buyer's RFM scores and segment tag (``rfm.Tag`` value) from the last daily refresh (R3.2.5)."""

    tag: str
    r_score: int
    f_score: int
    m_score: int
    recency_days: int
    frequency: int
    monetary_fen: int
    computed_on: date


def buyer_segment(*, username: str) -> BuyerSegment | None:
    """The segment of the buyer ``username`` (the analytics ``distinct_id``), or None when the last refresh
    did not score them (no paid order yet, or no refresh run). One query."""
    from mallops.analytics.models import SegmentMember

    row = SegmentMember.objects.filter(distinct_id=username).first()
    if row is None:
        return None
    return BuyerSegment(
        tag=row.tag,
        r_score=row.r_score,
        f_score=row.f_score,
        m_score=row.m_score,
        recency_days=row.recency_days,
        frequency=row.frequency,
        monetary_fen=row.monetary_fen,
        computed_on=row.computed_on,
    )


# --- attribution inputs for marketing (R4.1.1, R4.1.3) ---------------------------------------------------


@dataclass(frozen=True)
class UtmTouch:
    """One event carrying ``utm_source``: a visit from a channel, under the (identity-resolved) person."""

    distinct_id: str
    ts_us: int
    utm_source: str
    utm_medium: str
    utm_campaign: str


@dataclass(frozen=True)
class PaidOrderFact:
    """One paid order (from the order tables when they are the source, else ``order_paid`` events)."""

    distinct_id: str
    ts_us: int
    order_id: str
    amount_fen: int


def utm_touches(*, from_us: int, to_us: int) -> list[UtmTouch]:
    """Every event of ``[from_us, to_us)`` that came with a ``utm_source``, in time order, aliases resolved
    to their person (an anonymous device's touches count under the buyer it was merged into on login).
    Source and medium are the stored ``channel`` column (lower case, paid mediums read ``paid``)."""
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), alias_map()) as query:
        if query.source is None:
            return []
        rows = query.fetch(
            f"SELECT distinct_id, ts_us, channel, properties FROM {query.source} "
            f"WHERE ts_us >= {from_us} AND ts_us < {to_us} AND channel <> 'direct' ORDER BY ts_us, raw_id"
        )
    touches: list[UtmTouch] = []
    for distinct_id, ts_us, channel, text in rows:
        source, _, medium = str(channel).partition("/")
        campaign = json.loads(text).get("utm_campaign") if text else None
        touches.append(
            UtmTouch(
                distinct_id=str(distinct_id),
                ts_us=int(ts_us),
                utm_source=source,
                utm_medium=medium,
                utm_campaign=campaign.strip() if isinstance(campaign, str) else "",
            )
        )
    return touches


def paid_orders(*, from_us: int, to_us: int) -> list[PaidOrderFact]:
    """Paid orders of ``[from_us, to_us)`` in time order, buyers identity-resolved (one source of GMV with
    the KPI report)."""
    from mallops.analytics.facts import load_rows

    result: list[PaidOrderFact] = []
    for distinct_id, _event, ts_us, properties in load_rows(from_us, to_us, events=("order_paid",)):
        amount = properties.get("amount_fen")
        if isinstance(amount, int) and not isinstance(amount, bool):
            result.append(
                PaidOrderFact(
                    distinct_id=distinct_id,
                    ts_us=ts_us,
                    order_id=str(properties.get("order_id", "")),
                    amount_fen=amount,
                )
            )
    return result


def product_views(*, product_ids: Sequence[int], from_us: int, to_us: int) -> dict[int, int]:
    """Product id → product-page views (``page_view`` events carrying a ``product`` property, as the
    storefront's pages send them) in ``[from_us, to_us)``: the storefront's conversion denominator. One
    aggregate query over the event store; products without views are absent."""
    wanted = sorted({int(pk) for pk in product_ids})
    if not wanted:
        return {}
    ids = ", ".join(sql_string(str(pk)) for pk in wanted)
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), {}) as query:
        if query.source is None:
            return {}
        if query.dialect == "duckdb":
            product = "json_extract_string(properties, '$.product')"
        else:
            product = "replaceAll(JSONExtractRaw(properties, 'product'), '\"', '')"
        rows = query.fetch(
            f"SELECT p, count(*) FROM (SELECT {product} AS p FROM {query.source} "
            f"WHERE event = 'page_view' AND ts_us >= {int(from_us)} AND ts_us < {int(to_us)}) AS v "
            f"WHERE p IN ({ids}) GROUP BY p"
        )
    return {int(p): int(n) for p, n in rows}
