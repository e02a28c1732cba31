"""With the orders app holding paid orders, sales KPIs reconcile exactly with the order tables (R3.3.1)."""

from __future__ import annotations

from typing import Any

import pytest
from analytics_django_support import store
from django.db.models import Sum
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.analytics import metrics, order_source
from mallops.analytics.modelling import segments_refresh
from mallops.analytics.models import SegmentMember
from mallops.analytics.services import analytics_track
from mallops.analytics.store.store import EventStore
from mallops.dsr.testing import grant_consent
from mallops.orders.models import Order
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db
__all__ = ["store"]


def paid_orders() -> list[Order]:
    merchant_a, _ = make_merchant()
    merchant_b, _ = make_merchant()
    loyal, once = make_buyer("buyer-loyal"), make_buyer("buyer-once")
    grant_consent([loyal, once])  # events stay linked to the buyer only with analytics consent (dsr)
    orders = [
        make_order(merchant_a, buyer=loyal, qty=2),
        make_order(merchant_b, buyer=loyal, qty=1),
        make_order(merchant_b, buyer=once, qty=3),
    ]
    make_order(merchant_a, buyer=once, qty=1)  # never paid: not in GMV
    for order in orders:
        order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    return orders


@pytest.mark.req("R3.1.3")
@pytest.mark.req("R3.4.1")
def test_sales_kpis_reconcile_with_the_order_tables(store: EventStore) -> None:
    assert order_source.source() == "events"
    analytics_track(
        event="order_paid", distinct_id="someone", properties={"order_id": "X", "amount_fen": 99_999}
    )
    orders = paid_orders()
    assert order_source.source() == "orders"
    for who in ("buyer-loyal", "buyer-once", "visitor-1", "visitor-2"):
        analytics_track(event="page_view", distinct_id=who)
    today = timezone.localdate()
    values = {m["key"]: m["value"] for m in metrics.kpi_report(start=today, end=today)["metrics"]}
    paid = Order.objects.unscoped(reason="test").filter(paid_at__isnull=False)
    gmv = paid.aggregate(total=Sum("paid_fen"))["total"]
    assert values["gmv_fen"] == gmv == sum(o.paid_fen for o in orders)  # the stray event is not counted
    assert values["orders"] == paid.count() == 3
    assert values["buyers"] == 2
    assert values["repurchase_rate"] == 0.5
    assert values["conversion_rate"] == 2 / 4  # 2 paying buyers among 4 visitors (buyers are visitors too)
    segments_refresh(as_of=today)
    assert set(SegmentMember.objects.values_list("distinct_id", flat=True)) == {"buyer-loyal", "buyer-once"}
    assert SegmentMember.objects.get(distinct_id="buyer-loyal").frequency == 2


def test_the_event_source_can_be_forced(store: EventStore, settings: object) -> None:
    paid_orders()
    settings.ANALYTICS_ORDER_SOURCE = "events"  # type: ignore[attr-defined]
    analytics_track(event="order_paid", distinct_id="x", properties={"order_id": "E1", "amount_fen": 700})
    today = timezone.localdate()
    values = {m["key"]: m["value"] for m in metrics.kpi_report(start=today, end=today)["metrics"]}
    assert values["gmv_fen"] == 700 and values["orders"] == 1


@pytest.mark.req("R3.1.1")
def test_orders_send_server_side_events_once(
    store: EventStore, django_capture_on_commit_callbacks: Any
) -> None:
    import pyarrow.parquet as pq

    merchant, _ = make_merchant()
    buyer = make_buyer("buyer-events")
    grant_consent([buyer])
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(merchant, buyer=buyer, qty=2)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    with django_capture_on_commit_callbacks(execute=True):
        order.refresh_from_db()
        order.save()  # saved again: no second event
    store.load()
    rows = [row for path in store.live_files() for row in pq.read_table(path).to_pylist()]
    assert sorted((row["uuid"], row["event"], row["distinct_id"]) for row in rows) == [
        (f"order_created:{order.number}", "order_created", "buyer-events"),
        (f"order_paid:{order.number}", "order_paid", "buyer-events"),
    ]
    paid = next(row for row in rows if row["event"] == "order_paid")
    assert '"amount_fen":' + str(order.paid_fen) in paid["properties"]


def test_a_broken_store_never_breaks_an_order(
    settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from mallops.analytics.storage import reset_stores

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.ANALYTICS_STORE_DIR = str(blocker / "analytics")
    reset_stores()
    merchant, _ = make_merchant()
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(merchant, qty=1)
        order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    order.refresh_from_db()
    assert order.status == "paid"
    reset_stores()


@pytest.mark.req("R3.3.3")
def test_paid_order_events_carry_the_coupon_threshold_and_member_levers(
    store: EventStore, django_capture_on_commit_callbacks: Any
) -> None:
    import json
    from datetime import timedelta

    import pyarrow.parquet as pq

    from mallops.pricing.models import Membership
    from mallops.testing.factories import make_staff

    merchant, _ = make_merchant()
    member, plain = make_buyer("buyer-member"), make_buyer("buyer-plain")
    grant_consent([member, plain])
    Membership.objects.create(
        buyer=member,
        level="gold",
        valid_from=timezone.now() - timedelta(days=1),
        granted_by=make_staff("user_ops"),
    )
    from mallops.pricing.coupons import coupons_issue
    from mallops.testing.pricing import make_batch, make_promotion

    make_promotion(merchant, status="live", tiers=[{"min": 2000, "off": 300}])
    batch = make_batch(None, min_fen=0, off_fen=200)
    grant_consent([member], ["marketing"])
    coupons_issue(
        actor=actor_of(make_staff("product_ops")),
        merchant_id=None,
        batch_id=batch.pk,
        usernames=[member.username],
    )
    with django_capture_on_commit_callbacks(execute=True):
        with_offers = make_order(merchant, buyer=member, qty=3)  # 3 x 1000 fen
        without = make_order(merchant, buyer=plain, qty=1)
    with django_capture_on_commit_callbacks(execute=True):
        for order in (with_offers, without):
            order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    store.load()
    rows = [row for path in store.live_files() for row in pq.read_table(path).to_pylist()]
    paid = {row["distinct_id"]: json.loads(row["properties"]) for row in rows if row["event"] == "order_paid"}
    assert paid["buyer-member"]["threshold_fen"] == 300
    assert paid["buyer-member"]["coupon_fen"] == 200
    assert paid["buyer-member"]["member"] is True
    assert paid["buyer-plain"]["threshold_fen"] == 0
    assert paid["buyer-plain"]["coupon_fen"] == 0
    assert "member" not in paid["buyer-plain"]
