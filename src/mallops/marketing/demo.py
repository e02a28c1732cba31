"""Demo marketing data: two channels (百度搜索, 抖音直播) with 30 days of spend, so the channel ROI report has
spend beside the orders the analytics demo attributes to their UTM sources (``baidu``, ``douyin``).

Through the services only (channel create, the spend CSV import). Idempotent: a channel whose code exists is
not made again, and importing the same amounts again changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.marketing import services
from mallops.marketing.models import Channel

DAYS = 30
# code, name, kind, UTM source (the analytics demo's sources), typical daily spend in fen
CHANNELS = [
    ("baidu-search", "百度搜索广告", "search_ads", "baidu", 180_000),
    ("douyin-live", "抖音直播间", "live_streaming", "douyin", 260_000),
]


def load(*, lines: list[str], rng: random.Random) -> None:
    actor = actor_of(User.objects.get(username="product-ops"))
    for code, name, kind, source, _daily in CHANNELS:
        if not Channel.objects.filter(code=code).exists():
            services.channel_create(actor=actor, code=code, name=name, kind=kind, utm_source=source)
    today = timezone.localdate()
    rows = ["channel,day,amount_yuan"]
    for code, _name, _kind, _source, daily in CHANNELS:
        for back in range(DAYS):
            day = today - timedelta(days=back)
            # a fixed amount per channel and day (seeded by both), so a second run imports the same numbers
            amount = random.Random(f"{code}-{day.isoformat()}").randint(daily * 7 // 10, daily * 13 // 10)
            rows.append(f"{code},{day.isoformat()},{amount // 100}.{amount % 100:02d}")
    result = services.spend_import_csv(actor=actor, text="\n".join(rows) + "\n")
    lines.append(
        f"Marketing: {len(CHANNELS)} channels with {DAYS} days of spend ({result.changed} amounts new). "
        "Console /marketing/report/."
    )
