"""Demo behaviour data: ~50,000 events of the demo buyers over the last 30 days (``mallops demo-data``).

A realistic funnel (view -> cart -> checkout -> pay -> review) with UTM sources, sign-ups, anonymous
browsing merged at sign-in, customer-service events, campaign participation, refunds, costs and browser page
timings, then one
running A/B test with exposures, today's RFM segments and a churn model run. Idempotent: uuids are fixed,
so a second run stores nothing new (the first event stored under a uuid wins).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from mallops.analytics import querying
from mallops.analytics.models import Experiment, ExperimentExposure, ModelRun
from mallops.analytics.services import events_ingest
from mallops.analytics.stats import assign_variant
from mallops.analytics.store.events import SHANGHAI

DAYS = 30
BUYERS = 2000
SEED = 20261125
SPUS = [f"SPU{n:04d}" for n in range(1, 41)]
SOURCES: list[tuple[dict[str, str], float]] = [
    ({}, 0.30),
    ({"utm_source": "baidu", "utm_medium": "cpc", "utm_campaign": "brand"}, 0.15),
    ({"utm_source": "weibo", "utm_medium": "social"}, 0.10),
    ({"utm_source": "xiaohongshu", "utm_medium": "content", "utm_campaign": "seeding"}, 0.15),
    ({"utm_source": "douyin", "utm_medium": "live", "utm_campaign": "live_0611"}, 0.15),
    ({"utm_source": "wechat", "utm_medium": "group", "utm_campaign": "vip_care"}, 0.15),
]
CAMPAIGNS = ["spring_sale", "member_day"]
EXPERIMENT = "checkout-one-page"
VARIANTS = [("control", 50), ("one_page", 50)]
VARIANT_NAMES = {"control": "原结算流程", "one_page": "一页式结算"}


class _Events:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.moments: list[datetime] = []

    def add(self, event: str, who: str, at: datetime, **properties: Any) -> None:
        self.moments.append(at)
        self.items.append(
            {
                "uuid": f"demo-{len(self.items):06d}",
                "event": event,
                "distinct_id": who,
                "timestamp": at.isoformat(),
                "properties": properties,
            }
        )


def _generate(start: datetime) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    out = _Events()
    weights = [w for _, w in SOURCES]
    spu_popularity = {spu: rng.paretovariate(1.5) for spu in SPUS}
    launch_day = {spu: (rng.randint(18, 25) if i % 5 == 0 else 0) for i, spu in enumerate(SPUS)}
    shape = {spu: i % 4 for i, spu in enumerate(SPUS)}  # 0, 3 steady; 1 declining; 2 growing

    def weight(spu: str, day: int) -> float:
        factor = {1: max(0.02, 1 - day / 22), 2: 0.2 + day / 15}.get(shape[spu], 1.0)
        return spu_popularity[spu] * factor

    for n in range(1, BUYERS + 1):
        who = f"buyer{n:05d}"
        treated = n % 2 == 1 and assign_variant(EXPERIMENT, who, VARIANTS) == "one_page"
        activity = rng.choice([0.6, 1.0, 1.5, 3.0])
        first_day = rng.randint(0, DAYS - 1)
        sessions = max(1, int(rng.expovariate(1 / (6 * activity))))
        days = sorted(rng.randint(first_day, DAYS - 1) for _ in range(sessions))
        if rng.random() < 0.15:  # a newcomer: browses anonymously, signs up, is identified
            anon = f"anon-{n:05d}"
            at = start + timedelta(days=first_day, hours=rng.uniform(9, 22))
            out.add("page_view", anon, at, **rng.choices([s for s, _ in SOURCES], weights)[0], page="home")
            out.add("signup", who, at + timedelta(minutes=3))
            out.add("$identify", who, at + timedelta(minutes=3), **{"$anon_distinct_id": anon})
        for session, day in enumerate(days):
            at = start + timedelta(days=day, hours=rng.uniform(8, 23.5))
            utm = rng.choices([s for s, _ in SOURCES], weights)[0]
            available = [s for s in SPUS if launch_day[s] <= day]
            spu = rng.choices(available, [weight(s, day) for s in available])[0]
            price = 1_990 + (int(spu[3:]) * 1_337) % 48_000
            out.add("page_view", who, at, page="product", spu=spu, price_fen=price, **utm)
            for _ in range(rng.randint(0, 3)):
                at += timedelta(seconds=rng.uniform(10, 240))
                out.add("page_view", who, at, page="product", spu=rng.choice(available))
            if rng.random() > 0.35:
                continue
            at += timedelta(seconds=rng.uniform(20, 300))
            qty = rng.choice([1, 1, 1, 2, 3])
            out.add("add_to_cart", who, at, spu=spu, qty=qty)
            if rng.random() > 0.55:
                continue
            at += timedelta(seconds=rng.uniform(30, 900))
            out.add("checkout", who, at, spu=spu)
            if rng.random() > (0.9 if treated and day >= DAYS // 2 else 0.78):
                continue
            at += timedelta(seconds=rng.uniform(10, 120))
            campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.3 else ""
            if campaign:
                out.add("campaign_join", who, at - timedelta(seconds=5), campaign=campaign)
            amount = price * qty
            discount = amount // 10 if campaign else 0
            order_id = f"DEMO{n:05d}{session:03d}"
            out.add(
                "order_paid",
                who,
                at,
                order_id=order_id,
                amount_fen=amount - discount,
                discount_fen=discount,
                campaign=campaign,
                payment_method=rng.choice(["alipay", "wechat_pay", "unionpay"]),
                items=[{"spu": spu, "qty": qty, "amount_fen": amount - discount}],
            )
            if rng.random() < 0.4:
                out.add(
                    "review",
                    who,
                    at + timedelta(days=rng.uniform(1, 4)),
                    spu=spu,
                    score=rng.choice([5, 5, 5, 4, 4, 3, 1]),
                )
            if rng.random() < 0.05:
                out.add(
                    "refund", who, at + timedelta(days=2), order_id=order_id, amount_fen=amount - discount
                )
            if rng.random() < 0.08:
                ticket_at = at + timedelta(days=1)
                out.add("ticket_first_response", who, ticket_at, response_seconds=rng.randint(10, 600))
                out.add("csat", who, ticket_at + timedelta(hours=1), score=rng.choice([5, 4, 4, 3, 2]))
                if rng.random() < 0.2:
                    out.add("complaint", who, ticket_at + timedelta(hours=2))
    for day in range(DAYS):
        at = start + timedelta(days=day, hours=23, minutes=59)
        out.add("cost", "platform", at, category="advertising", amount_fen=rng.randint(200_000, 500_000))
        out.add("cost", "platform", at, category="logistics", amount_fen=rng.randint(100_000, 300_000))
        out.add("cost", "platform", at, category="customer_service", amount_fen=rng.randint(50_000, 90_000))
    # browser page timing (R3.4.1), after everything else so the earlier uuids stay as they were
    timing = random.Random(SEED + 1)
    for day in range(DAYS):
        for page, typical_ms in (("home", 900), ("product", 1_400), ("cart", 700), ("checkout", 1_100)):
            for visit in range(12):
                at = start + timedelta(days=day, hours=9 + visit, minutes=timing.randint(0, 59))
                load_ms = round(timing.lognormvariate(0, 0.45) * typical_ms)
                out.add(
                    "page_timing", f"buyer{timing.randint(1, BUYERS):05d}", at, page=page, load_ms=load_ms
                )
    now = timezone.now()
    return [e for e, at in zip(out.items, out.moments, strict=True) if at <= now]


def load(*, lines: list[str], rng: random.Random) -> None:
    """Demo events into the configured store, an A/B test with exposures, segments and a churn model."""
    today = timezone.localdate()
    start = datetime.combine(today - timedelta(days=DAYS - 1), time(), SHANGHAI)
    events = _generate(start)
    ingested = duplicates = 0
    for offset in range(0, len(events), 1000):
        result = events_ingest(events=events[offset : offset + 1000])
        ingested += result.ingested
        duplicates += result.duplicates
    from mallops.analytics import behaviour_demo

    behaviour_demo.load(lines=lines)  # impressions, clicks, dwell, reviews, checkout steps, offers
    querying.load()

    experiment, _ = Experiment.objects.get_or_create(
        key=EXPERIMENT,
        defaults={
            "title": "一页式结算",
            "variants": [
                {"key": key, "weight": weight, "name": VARIANT_NAMES[key]} for key, weight in VARIANTS
            ],
            "metric_event": "order_paid",
            "value_property": "amount_fen",
            "guardrails": ["refund", "complaint"],
            "started_at": start + timedelta(days=DAYS // 2),
        },
    )
    pairs = [(str(v["key"]), int(v["weight"])) for v in experiment.variants]
    ExperimentExposure.objects.bulk_create(
        [
            ExperimentExposure(
                experiment=experiment,
                distinct_id=f"buyer{n:05d}",
                variant=assign_variant(experiment.key, f"buyer{n:05d}", pairs),
                exposed_at=experiment.started_at + timedelta(minutes=n),
            )
            for n in range(1, BUYERS + 1, 2)
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    from mallops.analytics.modelling import churn_train, segments_refresh

    tags = segments_refresh(as_of=today)
    if not ModelRun.objects.filter(kind="churn").exists():
        import contextlib

        from mallops.analytics.churn import NotEnoughData

        # the demo's days end "now": at some hours too few buyers have both outcomes yet; the console's
        # churn page trains on demand later
        with contextlib.suppress(NotEnoughData):
            churn_train(as_of=today)
    lines.append(
        f"Analytics: {ingested} new events ({duplicates} already stored) for {BUYERS} buyers over {DAYS} days; "
        f"segments {tags}; A/B test {experiment.key}. Console /analytics/."
    )
