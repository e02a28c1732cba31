"""Demo data: a realistic funnel, idempotent through fixed uuids."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from analytics_django_support import store
from django.utils import timezone

from mallops.analytics import demo
from mallops.analytics.metrics import kpi_report
from mallops.analytics.models import Experiment, SegmentMember
from mallops.analytics.selectors import funnel_report, funnel_spec
from mallops.analytics.store.store import EventStore

pytestmark = pytest.mark.django_db
__all__ = ["store"]


@pytest.mark.req("R3.1.1")
def test_demo_is_idempotent_and_has_a_decreasing_funnel(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "BUYERS", 300)
    # the demo keeps only events up to "now": hold the clock so the second load sees the same events
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random(1))
    first = store.spool.spooled_count() + sum(1 for _ in store.live_files())
    assert len(lines) == 2  # the behaviour demo's line, then the main one
    assert "0 already stored" in lines[1]
    lines.clear()
    demo.load(lines=lines, rng=random.Random(2))
    assert len(lines) == 2 and all(" 0 new events" in line for line in lines)
    assert sum(1 for _ in store.live_files()) + store.spool.spooled_count() == first
    today = timezone.localdate()
    spec = funnel_spec(
        steps="page_view,add_to_cart,checkout,order_paid,review",
        window=7 * 86400,
        from_=f"{today - timedelta(days=29)}T00:00:00+08:00",
        to=f"{today + timedelta(days=1)}T00:00:00+08:00",
    )
    users = [step["users"] for step in funnel_report(spec)["steps"]]
    assert users[0] > users[1] > users[2] > users[3] > users[4] > 0
    assert Experiment.objects.filter(key="checkout-one-page").exists()
    assert SegmentMember.objects.count() > 0
    kpis = {m["key"]: m["value"] for m in kpi_report(start=today, end=today)["metrics"]}
    assert kpis["visitors"] is not None
