"""Demo events for the behaviour, review and lever reports (R3.2.1, R3.2.3, R3.3.3).

The main analytics demo (:mod:`mallops.analytics.demo`) does not send impressions, clicks, dwell times, review
texts, checkout steps or offer and loyalty properties; :func:`load` adds them for the demo buyers over the last
30 days. Fixed uuids (``demo-bhv-…``) and a fixed seed make it idempotent.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any, Final

from django.utils import timezone

from mallops.analytics.services import events_ingest
from mallops.analytics.store.events import SHANGHAI

DAYS: Final = 30
BUYERS: Final = 300
SEED: Final = 20261126
PLACEMENTS: Final = {"home_banner": 0.03, "rec_feed": 0.08, "search_result": 0.15}
SOURCES: Final = [
    {},
    {"utm_source": "baidu", "utm_medium": "cpc"},
    {"utm_source": "xiaohongshu", "utm_medium": "content"},
    {"utm_source": "wechat", "utm_medium": "group"},
]
STEPS: Final = [("address", 1.0), ("shipping", 0.9), ("payment", 0.85)]
POSITIVE: Final = ["质量很好，物流很快", "做工不错，性价比高", "包装完好，客服耐心", "和描述一致，会回购"]
NEGATIVE: Final = [
    "物流太慢，等了一周",
    "质量太差，用了两天就坏了",
    "包装破损，客服不回复",
    "尺码偏小，退货麻烦",
    "和图片不一致，质量一般",
]


def generate(start: datetime, now: datetime) -> list[dict[str, Any]]:
    """The demo events from ``start`` (a local midnight) for ``DAYS`` days, those after ``now`` left out."""
    rng = random.Random(SEED)
    events: list[dict[str, Any]] = []

    def add(event: str, who: str, at: datetime, **properties: Any) -> None:
        if at <= now:
            events.append(
                {
                    "uuid": f"demo-bhv-{len(events):06d}",
                    "event": event,
                    "distinct_id": who,
                    "timestamp": at.isoformat(),
                    "properties": properties,
                }
            )

    for n in range(1, BUYERS + 1):
        who = f"buyer{n:05d}"
        member = n % 3 == 0
        variant = "B" if n % 2 else "A"
        for session in range(rng.randint(1, 4)):
            at = start + timedelta(days=rng.randint(0, DAYS - 1), hours=rng.uniform(8, 23))
            add("page_view", who, at, page="home", dwell_ms=rng.randint(5_000, 60_000), **rng.choice(SOURCES))
            clicked = ""
            for _ in range(rng.randint(3, 6)):
                placement = rng.choice(list(PLACEMENTS))
                at += timedelta(seconds=rng.uniform(1, 20))
                add("impression", who, at, placement=placement)
                if not clicked and rng.random() < PLACEMENTS[placement] * 3:
                    at += timedelta(seconds=rng.uniform(1, 10))
                    add("click", who, at, placement=placement)
                    clicked = placement
            spu = f"SPU{rng.randint(1, 40):04d}"
            at += timedelta(seconds=rng.uniform(5, 30))
            dwell = rng.randint(20_000, 180_000)
            add(
                "page_view",
                who,
                at,
                page="product",
                spu=spu,
                dwell_ms=dwell,
                experiment="pdp-layout",
                variant=variant,
            )
            at += timedelta(milliseconds=dwell)
            if rng.random() > (0.36 if variant == "B" else 0.3):
                continue
            add("add_to_cart", who, at, spu=spu, qty=1)
            if rng.random() > 0.6:
                continue
            offer: dict[str, Any] = {}
            if rng.random() < 0.4:
                offer["coupon"] = "NEW10"
            if rng.random() < 0.25:
                offer["threshold_offer"] = "满199减20"
            if rng.random() < 0.1:
                offer["gift"] = True
            at += timedelta(seconds=rng.uniform(10, 120))
            add("checkout", who, at, spu=spu, **offer)
            reached = True
            for index, (step, keep) in enumerate(STEPS, start=1):
                if rng.random() > keep + (0.05 if offer else 0):
                    reached = False
                    break
                at += timedelta(seconds=rng.uniform(5, 60))
                add("checkout_step", who, at, step=step, step_index=index)
            if not reached or rng.random() > 0.9:
                continue
            at += timedelta(seconds=rng.uniform(5, 60))
            amount = 1_990 + (int(spu[3:]) * 1_337) % 48_000
            add(
                "order_paid",
                who,
                at,
                order_id=f"BHV{n:05d}{session:02d}",
                amount_fen=amount,
                items=[{"spu": spu, "qty": 1, "amount_fen": amount}],
                member=member,
                points_used=rng.choice([0, 0, 100, 300]) if member else 0,
                from_recommendation=clicked == "rec_feed",
                **offer,
            )
            if rng.random() < 0.5:
                score = rng.choice([5, 5, 4, 4, 3, 2, 1])
                content = rng.choice(NEGATIVE if score <= 2 else POSITIVE) if rng.random() < 0.8 else ""
                add(
                    "review",
                    who,
                    at + timedelta(days=rng.uniform(1, 4)),
                    spu=spu,
                    score=score,
                    content=content,
                )
    return events


def load(*, lines: list[str]) -> None:
    """Ingest the demo events into the configured store (``mallops demo-data`` may call it after the main
    analytics demo)."""
    today = timezone.localdate()
    start = datetime.combine(today - timedelta(days=DAYS - 1), time(), SHANGHAI)
    events = generate(start, timezone.now())
    ingested = 0
    for offset in range(0, len(events), 1000):
        ingested += events_ingest(events=events[offset : offset + 1000]).ingested
    lines.append(
        f"Analytics behaviour: {ingested} new events (impressions, clicks, dwell, reviews, checkout steps, "
        f"offers) for {BUYERS} buyers. Console /analytics/behaviour/."
    )
