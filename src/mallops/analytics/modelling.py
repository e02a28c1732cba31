"""Segments (R3.2.5), churn model (R3.2.8) and product lifecycle (R2.4) on the store's events.

Order data comes from ``order_paid`` events (see :mod:`mallops.analytics.facts`); the orders app sends
them through ``analytics_track`` when an order is paid.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.analytics import churn, lifecycle, rfm
from mallops.analytics.facts import load_rows
from mallops.analytics.metrics import period_bounds
from mallops.analytics.models import ModelRun, SegmentMember
from mallops.analytics.store.events import MICROS_PER_DAY, shanghai_day
from mallops.dsr.consent_selectors import buyer_names_without_consent
from mallops.dsr.contracts import Purpose

SOURCE = "events"


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def segments_refresh(*, as_of: date | None = None) -> dict[str, int]:
    """Recompute every buyer's RFM scores and tag as of the end of ``as_of`` (default today); daily job."""
    day = as_of or _today()
    _, end_us = period_bounds(day, day)
    rows = load_rows(0, end_us, events=("order_paid",))
    last: dict[str, int] = {}
    frequency: Counter[str] = Counter()
    monetary: Counter[str] = Counter()
    for who, _, ts, props in rows:
        last[who] = max(last.get(who, ts), ts)
        frequency[who] += 1
        amount = props.get("amount_fen")
        monetary[who] += amount if isinstance(amount, int) and not isinstance(amount, bool) else 0
    today_number = shanghai_day(end_us - 1)
    buyers = [
        rfm.BuyerOrders(who, today_number - shanghai_day(last[who]), frequency[who], monetary[who])
        for who in sorted(last)
    ]
    scored = rfm.score(buyers) if buyers else []
    # the scores are computed over everyone (the quantiles need the whole population), but a tag is kept
    # only for a buyer whose marketing consent stands: segments exist to be marketed to, and the
    # ``marketing.segment_tags`` retention rule (PIPL Art. 14) keeps none for the others
    silent = buyer_names_without_consent([s.buyer for s in scored], Purpose.MARKETING)
    scored = [s for s in scored if s.buyer not in silent]
    SegmentMember.objects.all().delete()
    SegmentMember.objects.bulk_create(
        [
            SegmentMember(
                distinct_id=s.buyer,
                recency_days=s.recency_days,
                frequency=s.frequency,
                monetary_fen=s.monetary_fen,
                r_score=s.r,
                f_score=s.f,
                m_score=s.m,
                tag=s.tag.value,
                computed_on=day,
                source=SOURCE,
            )
            for s in scored
        ],
        batch_size=1000,
    )
    counts = Counter(s.tag.value for s in scored)
    return {tag.value: counts.get(tag.value, 0) for tag in rfm.Tag}


def segments_summary() -> dict[str, Any]:
    members = SegmentMember.objects.all()
    counts = Counter(members.values_list("tag", flat=True))
    computed = members.values_list("computed_on", flat=True).first()
    return {
        "computed_on": computed.isoformat() if computed else None,
        "source": SOURCE,
        "tags": [{"tag": tag.value, "buyers": counts.get(tag.value, 0)} for tag in rfm.Tag],
    }


# measurements, not things a person did: they must not make a user look active to the churn model
NOT_BEHAVIOUR = frozenset({"page_timing", "cost", "order_shipped"})


def churn_train(*, as_of: date | None = None, horizon_days: int = 14, seed: int = 0) -> ModelRun:
    """Train on users active before ``as_of - horizon`` (label: no event in the horizon), keep the run."""
    day = as_of or _today()
    _, end_us = period_bounds(day, day)
    horizon_us = horizon_days * MICROS_PER_DAY
    cutoff = end_us - horizon_us
    rows: list[tuple[str, str, int, int]] = []
    for who, event, ts, props in load_rows(0, end_us):
        if event in NOT_BEHAVIOUR:
            continue
        amount = props.get("amount_fen")
        rows.append(
            (who, event, ts, amount if isinstance(amount, int) and not isinstance(amount, bool) else 0)
        )
    _, matrix, labels = churn.features_and_labels(rows, cutoff_us=cutoff, horizon_us=horizon_us)
    result = churn.train(matrix, labels, seed=seed)
    # score everybody on today's features with the trained model
    users, now_matrix, _ = churn.features_and_labels(rows, cutoff_us=end_us, horizon_us=0)
    risk = result.model.predict_proba(now_matrix)[:, 1] if users else []
    ranked = sorted(zip(users, risk, strict=True), key=lambda p: -p[1])[:20]
    data = {
        **result.as_dict(),
        "as_of": day.isoformat(),
        "horizon_days": horizon_days,
        "highest_risk": [{"distinct_id": who, "risk": float(p)} for who, p in ranked],
    }
    return ModelRun.objects.create(kind="churn", result=data)


def lifecycle_report(*, as_of: date | None = None) -> dict[str, Any]:
    """Stage and suggested actions per SPU from the units in ``order_paid`` items up to ``as_of``."""
    day = as_of or _today()
    _, end_us = period_bounds(day, day)
    last_day = shanghai_day(end_us - 1)
    units: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _, _, ts, props in load_rows(0, end_us, events=("order_paid",)):
        for item in props.get("items") or []:
            if isinstance(item, dict) and isinstance(item.get("spu"), str | int):
                qty = item.get("qty", 1)
                units[str(item["spu"])][shanghai_day(ts)] += qty if isinstance(qty, int) else 1
    products = []
    for spu, by_day in sorted(units.items()):
        first = min(by_day)
        series = [by_day.get(d, 0) for d in range(first, last_day + 1)]
        result = lifecycle.classify(series)
        products.append(
            {
                "spu": spu,
                "stage": result.stage.value,
                "stage_zh": lifecycle.ACTIONS_ZH[result.stage],
                "age_days": result.age_days,
                "slope_per_day": result.slope_per_day,
                "last7_units": result.last7,
                "best7_units": result.best7,
                "actions": list(result.actions),
            }
        )
    stages = Counter(p["stage"] for p in products)
    return {
        "as_of": day.isoformat(),
        "stages": {stage.value: stages.get(stage.value, 0) for stage in lifecycle.Stage},
        "products": products,
    }
