"""Browse behaviour (R3.2.1), reviews (R3.2.3) and conversion levers (R3.3.3) from the event store.

Every report reads the identity-resolved events of Asia/Shanghai days ``start..end`` through the query layer
of every analytics page (:func:`mallops.analytics.querying.events`: DuckDB over Parquet, or ClickHouse when
configured). Definitions (docs/analytics.md,
"Behaviour, reviews and conversion levers"):

* **Session**: a user's events with gaps of at most 30 minutes; its channel is the channel of its first event
  (the landing event's UTM parameters), grouped by :func:`~mallops.analytics.channels.channel_group`.
* **Dwell time** of a ``page_view``: its ``dwell_ms`` or ``duration_ms`` property (milliseconds, >= 0) when
  sent, else the time to the same user's next event in the session; a session's last view without the
  property has no dwell time and is left out of the means.
* **Click-through rate**: ``click`` events / ``impression`` events, per ``placement`` property.
* **Add-to-cart rate**: product viewers (a ``page_view`` with ``spu`` or ``page == "product"``) with an
  ``add_to_cart`` at or after their first product view; per day both on that day.
* **Reviews**: ``review`` events with a numeric ``score`` 1-5, optional ``content`` and ``spu``; negative
  means score <= 2; top terms of negative reviews are character bigrams of Chinese text and ASCII words.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from mallops.analytics import querying
from mallops.analytics.channels import LABELS, ChannelGroup, channel_group
from mallops.analytics.metrics import _ratio, check_range, period_bounds
from mallops.analytics.selectors import alias_map
from mallops.analytics.store.events import SHANGHAI, day_iso, shanghai_day
from mallops.analytics.store.queries import sql_string
from mallops.core.actors import Actor

SESSION_GAP_US: Final = 30 * 60 * 1_000_000
NEGATIVE_MAX_SCORE: Final = 2
PROPERTY_EVENTS: Final = (
    "page_view",
    "impression",
    "click",
    "add_to_cart",
    "review",
    "checkout",
    "checkout_step",
    "order_paid",
)


@dataclass(frozen=True)
class Event:
    who: str
    event: str
    ts: int
    channel: str
    props: dict[str, Any]


def load_events(
    from_us: int,
    to_us: int,
    events: tuple[str, ...] | None = None,
    properties: tuple[str, ...] = PROPERTY_EVENTS,
) -> list[Event]:
    """Identity-resolved events in ``[from_us, to_us)`` ordered by user then time; properties are decoded
    only for the ``properties`` events (decoding JSON is most of the cost)."""
    where = f"ts_us >= {from_us} AND ts_us < {to_us}"
    if events is not None:
        where += f" AND event IN ({', '.join(sql_string(name) for name in events)})"
    wanted = ", ".join(sql_string(name) for name in properties) or "''"
    with querying.events(shanghai_day(from_us), shanghai_day(to_us - 1), alias_map()) as query:
        if query.source is None:
            return []
        rows = query.fetch(
            f"SELECT distinct_id, event, ts_us, channel, CASE WHEN event IN ({wanted}) THEN properties END "
            f"FROM {query.source} WHERE {where} "
            # a view first among events of the same instant: an add-to-cart "at or after" it counts
            "ORDER BY distinct_id, ts_us, CASE WHEN event = 'page_view' THEN 0 ELSE 1 END, event, raw_id"
        )
    return [
        Event(who, name, ts, channel, json.loads(text) if text else {})
        for who, name, ts, channel, text in rows
    ]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _flag(props: dict[str, Any], *names: str) -> bool:
    """True when one of the properties is true, a non-empty string or a positive number."""
    for name in names:
        value = props.get(name)
        if value is True or (isinstance(value, str) and value.strip()):
            return True
        if (number := _number(value)) is not None and number > 0:
            return True
    return False


def _days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=k)).isoformat() for k in range((end - start).days + 1)]


# --- browse behaviour (R3.2.1) -------------------------------------------------------------------------


@dataclass
class _BrowseCell:
    views: int = 0
    dwell_ms: list[float] = field(default_factory=list)
    impressions: int = 0
    clicks: int = 0
    viewers: set[str] = field(default_factory=set)
    adders: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        seconds = [ms / 1000 for ms in self.dwell_ms]
        return {
            "page_views": self.views,
            "dwell_measured": len(seconds),
            "dwell_mean_seconds": statistics.fmean(seconds) if seconds else None,
            "dwell_median_seconds": statistics.median(seconds) if seconds else None,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "ctr": _ratio(self.clicks, self.impressions),
            "product_viewers": len(self.viewers),
            "cart_adders": len(self.adders),
            "add_to_cart_rate": _ratio(len(self.adders), len(self.viewers)),
        }


def _by_user(events: Iterable[Event]) -> dict[str, list[Event]]:
    users: dict[str, list[Event]] = defaultdict(list)
    for item in events:
        users[item.who].append(item)
    return users


def _session_channels(sequence: list[Event]) -> list[ChannelGroup]:
    """The channel group of each event's session (events of one user in time order)."""
    result: list[ChannelGroup] = []
    current = ChannelGroup.DIRECT
    for index, item in enumerate(sequence):
        if index == 0 or item.ts - sequence[index - 1].ts > SESSION_GAP_US:
            current = channel_group(item.channel or "direct")
        result.append(current)
    return result


def _dwell_ms(sequence: list[Event], index: int) -> float | None:
    item = sequence[index]
    for name in ("dwell_ms", "duration_ms"):
        value = _number(item.props.get(name))
        if value is not None and value >= 0:
            return value
    if index + 1 < len(sequence):
        gap = sequence[index + 1].ts - item.ts
        if gap <= SESSION_GAP_US:
            return gap / 1000
    return None


def _is_product_view(item: Event) -> bool:
    spu = item.props.get("spu")
    return (isinstance(spu, str | int) and not isinstance(spu, bool) and str(spu) != "") or item.props.get(
        "page"
    ) == "product"


def browse_report(*, start: date, end: date) -> dict[str, Any]:
    """Page views and dwell time, click-through rate per placement and add-to-cart rate, in total, per
    day, per channel group and per page (dwell) or placement (CTR)."""
    check_range(start, end)
    from_us, to_us = period_bounds(start, end)
    events = load_events(from_us, to_us + SESSION_GAP_US, properties=("page_view", "impression", "click"))
    day_names: dict[int, str] = {}
    total = _BrowseCell()
    days: dict[str, _BrowseCell] = defaultdict(_BrowseCell)
    channels: dict[ChannelGroup, _BrowseCell] = defaultdict(_BrowseCell)
    pages: dict[str, _BrowseCell] = defaultdict(_BrowseCell)
    placements: dict[str, _BrowseCell] = defaultdict(_BrowseCell)
    for who, sequence in _by_user(events).items():
        groups = _session_channels(sequence)
        first_view: int | None = None  # index of the first product view in the range
        first_view_of_day: dict[str, int] = {}
        for index, item in enumerate(sequence):
            if item.ts >= to_us:
                break
            day_number = shanghai_day(item.ts)
            day = day_names.get(day_number) or day_names.setdefault(day_number, day_iso(day_number))
            cells = (total, days[day], channels[groups[index]])
            if item.event == "page_view":
                dwell = _dwell_ms(sequence, index)
                page = item.props.get("page")
                page_cell = pages[page if isinstance(page, str) and page else "other"]
                for cell in (*cells, page_cell):
                    cell.views += 1
                    if dwell is not None:
                        cell.dwell_ms.append(dwell)
                if _is_product_view(item):
                    if first_view is None:
                        first_view = index
                        total.viewers.add(who)
                        channels[groups[index]].viewers.add(who)
                    if day not in first_view_of_day:
                        first_view_of_day[day] = index
                        days[day].viewers.add(who)
            elif item.event in ("impression", "click"):
                placement = item.props.get("placement")
                key = placement if isinstance(placement, str) and placement else "other"
                for cell in (*cells, placements[key]):
                    if item.event == "impression":
                        cell.impressions += 1
                    else:
                        cell.clicks += 1
            elif item.event == "add_to_cart":
                if first_view is not None:
                    total.adders.add(who)
                    channels[groups[first_view]].adders.add(who)
                if day in first_view_of_day:
                    days[day].adders.add(who)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "session_gap_seconds": SESSION_GAP_US // 1_000_000,
        "totals": total.as_dict(),
        "days": [{"date": day, **days[day].as_dict()} for day in _days(start, end)],
        "channels": [
            {"channel": group.value, "label": LABELS[group], **channels[group].as_dict()}
            for group in ChannelGroup
            if group in channels
        ],
        "pages": [
            {"page": page, **{k: v for k, v in cell.as_dict().items() if k.startswith(("page", "dwell"))}}
            for page, cell in sorted(pages.items(), key=lambda item: (-item[1].views, item[0]))
        ],
        "placements": [
            {
                "placement": key,
                "impressions": cell.impressions,
                "clicks": cell.clicks,
                "ctr": cell.as_dict()["ctr"],
            }
            for key, cell in sorted(placements.items(), key=lambda item: (-item[1].impressions, item[0]))
        ],
    }


# --- reviews (R3.2.3) ----------------------------------------------------------------------------------

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]{2,}")
_STOP_TEXT: Final = (
    "一个 这个 那个 我们 你们 他们 就是 还是 但是 而且 然后 因为 所以 可以 已经 自己 什么 这样 的话 了一"
)
STOP_TERMS: Final = frozenset(_STOP_TEXT.split(" ")) | {
    "and",
    "the",
    "for",
    "was",
    "but",
    "with",
    "this",
    "that",
}


def review_terms(text: str) -> set[str]:
    """Terms of a review: character bigrams of each run of Chinese characters, lower-case ASCII words of
    two or more letters or digits (full-width forms folded by NFKC); common function words left out."""
    folded = unicodedata.normalize("NFKC", text).lower()
    terms: set[str] = set()
    for run in _CJK_RUN.findall(folded):
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    terms.update(_ASCII_WORD.findall(folded))
    return terms - STOP_TERMS


@dataclass
class _ReviewCell:
    scores: list[float] = field(default_factory=list)

    @property
    def negative(self) -> int:
        return sum(1 for score in self.scores if score <= NEGATIVE_MAX_SCORE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reviews": len(self.scores),
            "mean_score": statistics.fmean(self.scores) if self.scores else None,
            "negative": self.negative,
            "negative_share": _ratio(self.negative, len(self.scores)),
        }


def _hidden_reviews(from_us: int) -> set[object]:
    """Ids of reviews whose latest visibility event (up to now, whatever the report's end) hides them: a
    review moderated after the period still leaves the period's report, as it left the product page."""
    import time

    now_us = int(time.time() * 1_000_000) + 1
    latest: dict[object, tuple[int, bool]] = {}
    for item in load_events(
        from_us, now_us, ("review_hidden", "review_shown"), properties=("review_hidden", "review_shown")
    ):
        review_id = item.props.get("review_id")
        if review_id is not None and (review_id not in latest or latest[review_id][0] <= item.ts):
            latest[review_id] = (item.ts, item.event == "review_hidden")
    return {review_id for review_id, (_ts, is_hidden) in latest.items() if is_hidden}


def review_report(*, start: date, end: date, top: int = 20) -> dict[str, Any]:
    """Count, mean score, histogram, negative share, per day and per SPU, top terms and the latest negative
    reviews with their content."""
    check_range(start, end)
    top = max(1, min(top, 100))
    from_us, to_us = period_bounds(start, end)
    total = _ReviewCell()
    days: dict[str, _ReviewCell] = defaultdict(_ReviewCell)
    spus: dict[str, _ReviewCell] = defaultdict(_ReviewCell)
    histogram = Counter[int]()
    terms = Counter[str]()
    with_content = 0
    negatives: list[dict[str, Any]] = []
    hidden = _hidden_reviews(from_us)
    for item in load_events(from_us, to_us, ("review",)):
        score = _number(item.props.get("score"))
        if score is None or not 1 <= score <= 5 or item.props.get("review_id") in hidden:
            continue
        spu = item.props.get("spu")
        spu_key = str(spu) if isinstance(spu, str | int) and not isinstance(spu, bool) and str(spu) else ""
        content = item.props.get("content")
        text = content.strip() if isinstance(content, str) else ""
        with_content += bool(text)
        for cell in (total, days[day_iso(shanghai_day(item.ts))], *([spus[spu_key]] if spu_key else [])):
            cell.scores.append(score)
        histogram[min(5, max(1, int(score + 0.5)))] += 1
        if score <= NEGATIVE_MAX_SCORE:
            terms.update(review_terms(text))
            negatives.append(
                {"ts": item.ts, "who": item.who, "spu": spu_key, "score": score, "content": text}
            )
    negatives.sort(key=lambda row: (-row["ts"], row["who"]))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "negative_max_score": NEGATIVE_MAX_SCORE,
        **total.as_dict(),
        "with_content": with_content,
        "histogram": [{"score": score, "reviews": histogram[score]} for score in range(1, 6)],
        "days": [{"date": day, **days[day].as_dict()} for day in _days(start, end)],
        "spus": [
            {"spu": key, **cell.as_dict()}
            for key, cell in sorted(
                spus.items(), key=lambda item: (-item[1].negative, -len(item[1].scores), item[0])
            )[:top]
        ],
        "top_terms": [
            {"term": term, "reviews": n}
            for term, n in sorted(terms.items(), key=lambda i: (-i[1], i[0]))[:top]
        ],
        "latest_negative": [
            {
                "at": _local_iso(row["ts"]),
                "spu": row["spu"],
                "score": row["score"],
                "content": row["content"],
            }
            for row in negatives[:top]
        ],
    }


def _local_iso(ts_us: int) -> str:
    from datetime import UTC, datetime

    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ts_us)
    return moment.astimezone(SHANGHAI).isoformat()


def review_task_create(
    *,
    actor: Actor,
    start: date,
    end: date,
    team: str = "product_ops",
    title: str = "",
    due_on: date | None = None,
    request: Any = None,
) -> Any:
    """Turn the period's negative reviews into a task for a team (R3.4.2 feedback loop), with the figures
    and top terms as the finding; audited by :func:`mallops.analytics.services.task_create`."""
    from mallops.accounts.services import require_permission
    from mallops.analytics import services
    from mallops.core.errors import FieldError, validation_error

    require_permission(actor, "analytics.view")
    if not date(1971, 1, 1) <= start <= end <= date(2199, 12, 31) or (end - start).days >= 366:
        message = "start <= end, 1971 to 2199, at most 366 days."
        raise validation_error([FieldError(("body", "end"), message, "range")])
    report = review_report(start=start, end=end, top=10)
    share = report["negative_share"]
    words = "、".join(row["term"] for row in report["top_terms"][:5])
    default_title = (
        f"差评率 {share * 100:.1f}%（{report['negative']}/{report['reviews']}）"
        + (f"：{words}" if words else "")
        if share is not None
        else "差评分析"
    )
    finding = {
        "period": f"{report['start']}..{report['end']}",
        "reviews": report["reviews"],
        "negative": report["negative"],
        "negative_share": share,
        "mean_score": report["mean_score"],
        "top_terms": report["top_terms"],
        "spus": [row for row in report["spus"][:5] if row["negative"]],
    }
    return services.task_create(
        actor=actor,
        title=title.strip() or default_title,
        team=team,
        metric="negative_review_share",
        finding=finding,
        due_on=due_on,
    )
