"""R3.2.2 purchase behaviour and R3.4.1 operating KPIs (page load, order processing, costs, ROI):
exact figures against hand-computed oracles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from analytics_django_support import T0, ev, store
from hypothesis import given
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.analytics import metrics
from mallops.analytics.costs import cost_entry_create, cost_rows, daily_split
from mallops.analytics.models import CostEntry
from mallops.analytics.purchase import purchase_report, shanghai_hour
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db
__all__ = ["store"]
DAY = date(2026, 3, 2)  # T0 is 2026-03-02 09:00 Asia/Shanghai


# --- pure pieces -----------------------------------------------------------------------------------------


@pytest.mark.django_db(False)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=366))
def test_daily_split_adds_up_and_differs_by_at_most_one_fen(amount: int, days: int) -> None:
    parts = daily_split(amount, days)
    assert len(parts) == days and sum(parts) == amount
    assert max(parts) - min(parts) <= 1 and parts == sorted(parts, reverse=True)


@pytest.mark.django_db(False)
def test_percentile_is_nearest_rank() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([4, 1, 3, 2], 50) == 2
    assert metrics.percentile([4, 1, 3, 2], 95) == 4
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert metrics.percentile(values, 90) == 18 and metrics.percentile(values, 95) == 19


@pytest.mark.django_db(False)
def test_shanghai_hour() -> None:
    at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 2026-03-02 00:30 in Shanghai
    micros = (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert shanghai_hour(micros) == 0
    assert shanghai_hour(micros - 3_600_000_000) == 23


_orders = st.lists(
    st.tuples(
        st.sampled_from(["ann", "bob", "cat"]),
        st.integers(min_value=0, max_value=4_102_444_800_000_000),  # 1970..2100
        st.integers(min_value=0, max_value=10**9),
        st.sampled_from(["", "wechat", "alipay"]),
    ),
    max_size=40,
)


@pytest.mark.django_db(False)
@given(_orders)
def test_purchase_behaviour_matches_a_datetime_oracle(rows: list[tuple[str, int, int, str]]) -> None:
    from mallops.analytics.facts import Facts, OrderFact
    from mallops.analytics.purchase import purchase_behaviour

    facts = Facts(0, 1)
    facts.orders = [
        OrderFact(f"o{i}", who, ts, fen, 0, "", (), method) for i, (who, ts, fen, method) in enumerate(rows)
    ]
    report = purchase_behaviour(facts)
    shanghai = timezone(timedelta(hours=8))  # Beijing time as defined: UTC+8 all year (no 1986-91 DST)
    for hour in range(24):
        mine = [
            r
            for r in rows
            if (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=r[1])).astimezone(shanghai).hour
            == hour
        ]
        row = report["by_hour"][hour]
        assert (row["orders"], row["buyers"], row["gmv_fen"]) == (
            len(mine),
            len({r[0] for r in mine}),
            sum(r[2] for r in mine),
        )
    assert sum(r["orders"] for r in report["by_method"]) == len(rows)
    for row in report["by_method"]:
        mine = [r for r in rows if r[3] == row["method"]]
        assert (row["orders"], row["gmv_fen"]) == (len(mine), sum(r[2] for r in mine))
        assert row["share"] == len(mine) / len(rows)


# --- R3.2.2 --------------------------------------------------------------------------------------------


def _paid(uid: str, who: str, minutes: float, amount: int, method: str | None) -> dict[str, object]:
    props: dict[str, object] = {"order_id": uid, "amount_fen": amount}
    if method is not None:
        props["payment_method"] = method
    return ev(uid, "order_paid", who, minutes, **props)


@pytest.mark.req("R3.2.2")
def test_purchase_behaviour_by_hour_and_payment_method(store: EventStore) -> None:
    # T0 = 09:00 Shanghai; -540 min = 00:00, +900 min = 00:00 next day (outside the period)
    events_ingest(
        events=[
            _paid("o1", "ann", 0, 1_000, "wechat"),  # 09:00
            _paid("o2", "bob", 30, 2_500, "wechat"),  # 09:30
            _paid("o3", "ann", -540, 700, "alipay"),  # 00:00
            _paid("o4", "cat", 14 * 60 + 59, 300, None),  # 23:59
            _paid("o5", "dan", 900, 99_999, "wechat"),  # next day: not counted
            {**_paid("o1", "ann", 0, 1_000, "wechat"), "uuid": "again"},  # same order again: once
        ]
    )
    report = purchase_report(start=DAY, end=DAY)
    assert report["orders"] == 4
    hours = {row["hour"]: row for row in report["by_hour"]}
    assert [row["hour"] for row in report["by_hour"]] == list(range(24))
    assert hours[9] == {"hour": 9, "orders": 2, "buyers": 2, "gmv_fen": 3_500, "share": 0.5}
    assert hours[0] == {"hour": 0, "orders": 1, "buyers": 1, "gmv_fen": 700, "share": 0.25}
    assert hours[23]["orders"] == 1 and hours[23]["gmv_fen"] == 300
    assert sum(row["orders"] for row in report["by_hour"]) == 4
    assert report["by_method"] == [
        {"method": "wechat", "orders": 2, "buyers": 2, "gmv_fen": 3_500, "share": 0.5},
        {"method": "", "orders": 1, "buyers": 1, "gmv_fen": 300, "share": 0.25},
        {"method": "alipay", "orders": 1, "buyers": 1, "gmv_fen": 700, "share": 0.25},
    ]


@pytest.mark.req("R3.2.2")
def test_purchase_behaviour_reads_the_order_and_payment_tables(store: EventStore) -> None:
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.payments.models import Payment
    from mallops.testing.factories import make_merchant
    from mallops.testing.orders import make_order

    merchant, _ = make_merchant()
    first, second = make_order(merchant, qty=1), make_order(merchant, qty=2)
    at = datetime(2026, 3, 2, 6, 15, tzinfo=UTC)  # 14:15 Shanghai
    for order, provider, trade in ((first, "alipay", "T1"), (second, "wechat", "T2")):
        Payment.objects.create(
            checkout=order.checkout,
            provider=provider,
            out_trade_no=trade,
            amount_fen=order.paid_fen,
            order_ids=[order.pk],
            status="paid",
            paid_at=at,
        )
        order_transition(actor=None, order_id=order.pk, event=Event.PAY, now=at)
    report = purchase_report(start=DAY, end=DAY)
    assert report["orders"] == 2
    assert report["by_hour"][14]["orders"] == 2
    assert report["by_hour"][14]["gmv_fen"] == first.paid_fen + second.paid_fen
    methods = {row["method"]: row["gmv_fen"] for row in report["by_method"]}
    assert methods == {"alipay": first.paid_fen, "wechat": second.paid_fen}


# --- R3.4.1 --------------------------------------------------------------------------------------------


@pytest.mark.req("R3.4.1")
def test_page_load_and_processing_percentiles_cost_per_order_and_roi(store: EventStore) -> None:
    loads = [("home", ms) for ms in (100, 200, 300, 400, 5_000)] + [("product", 800), ("product", 1_200)]
    events_ingest(
        events=[
            *[ev(f"t{i}", "page_timing", f"v{i}", i, page=p, load_ms=ms) for i, (p, ms) in enumerate(loads)],
            ev("bad1", "page_timing", "v9", 1, page="home", load_ms=-5),  # ignored: out of range
            ev("bad2", "page_timing", "v9", 1, load_ms=50),  # ignored: no page
            _paid("o1", "ann", 10, 30_000, "wechat"),
            _paid("o2", "bob", 20, 20_000, "alipay"),
            ev("s1", "order_shipped", "ann", 100, order_id="o1", processing_seconds=3_600),
            ev("s2", "order_shipped", "bob", 110, order_id="o2", processing_seconds=7_200),
            ev("s3", "order_shipped", "cat", 120, order_id="o3", processing_seconds=600),
            ev("s1b", "order_shipped", "ann", 130, order_id="o1", processing_seconds=9),  # repeat: once
        ]
    )
    admin = make_staff("data_ops")
    cost_entry_create(
        actor=actor_of(admin),
        category="advertising",
        start_on=DAY,
        end_on=DAY,
        amount_fen=10_000,
        note="搜索广告",
    )
    # ¥100.00 over 3 days: 33.34 + 33.33 + 33.33; only 2026-03-02 is in the period
    cost_entry_create(
        actor=actor_of(admin),
        category="logistics",
        start_on=DAY,
        end_on=DAY + timedelta(days=2),
        amount_fen=10_000,
    )
    report = metrics.kpi_report(start=DAY, end=DAY)
    values = {m["key"]: m["value"] for m in report["metrics"]}
    assert values["page_load_p50_ms"] == 400  # sorted 100 200 300 400 800 1200 5000: rank 4
    assert values["page_load_p95_ms"] == 5_000  # rank ceil(6.65) = 7
    assert report["page_loads"] == [
        {"page": "home", "views": 5, "p50_ms": 300, "p95_ms": 5_000},
        {"page": "product", "views": 2, "p50_ms": 800, "p95_ms": 1_200},
    ]
    assert values["order_processing_p50_s"] == 3_600  # 600 3600 7200: rank 2
    assert values["order_processing_p90_s"] == 7_200
    assert values["cost_advertising_fen"] == 10_000
    assert values["cost_logistics_fen"] == 3_334
    assert values["cost_per_order_fen"] == 6_667  # 13 334 / 2 = 6 667
    assert values["roi"] == (50_000 - 13_334) / 13_334
    # 7 timed visitors, v9 (its timings are ignored, its visit is not), ann and bob; cat only has a
    # shipment row and the cost rows are not visits either
    assert values["visitors"] == 10
    three_days = metrics.kpi_report(start=DAY, end=DAY + timedelta(days=2))
    by_key = {m["key"]: m["value"] for m in three_days["metrics"]}
    assert by_key["cost_logistics_fen"] == 10_000  # the whole entry, exactly


@pytest.mark.req("R3.4.1")
def test_processing_time_from_the_order_tables(store: EventStore) -> None:
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing.factories import make_merchant
    from mallops.testing.orders import make_order

    merchant, owner = make_merchant()
    paid_at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for minutes in (30, 90, 240):
        order = make_order(merchant)
        order_transition(actor=None, order_id=order.pk, event=Event.PAY, now=paid_at)
        order_transition(
            actor=owner,
            order_id=order.pk,
            event=Event.SHIP,
            merchant_id=merchant.pk,
            now=paid_at + timedelta(minutes=minutes),
            carrier="SF",
            tracking_number=f"SF{minutes:010d}",
        )
    values = {m["key"]: m["value"] for m in metrics.kpi_report(start=DAY, end=DAY)["metrics"]}
    assert values["order_processing_p50_s"] == 90 * 60
    assert values["order_processing_p90_s"] == 240 * 60


@pytest.mark.req("R3.4.1")
def test_cost_entry_validation_permission_and_audit(store: EventStore) -> None:
    viewer = make_staff("cs_supervisor")
    with pytest.raises(DomainError):
        cost_entry_create(
            actor=actor_of(viewer), category="advertising", start_on=DAY, end_on=DAY, amount_fen=1
        )
    manager = make_staff("data_ops")
    with pytest.raises(DomainError) as caught:
        cost_entry_create(
            actor=actor_of(manager),
            category="rent",
            start_on=DAY,
            end_on=DAY - timedelta(days=1),
            amount_fen=1,
        )
    assert {e.loc[-1] for e in caught.value.errors} == {"category", "end_on"}
    assert CostEntry.objects.count() == 0
    entry = cost_entry_create(
        actor=actor_of(manager), category="customer_service", start_on=DAY, end_on=DAY, amount_fen=12_345
    )
    event = AuditEvent.objects.get(action="analytics.cost_create")
    assert event.object_id == str(entry.pk)
    assert event.after is not None and event.after["amount_fen"] == 12_345
    start = int((T0 - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)) - 9 * 3_600_000_000
    rows = cost_rows(start, start + 86_400_000_000)
    assert [(r[1], r[2], r[3]["amount_fen"]) for r in rows] == [("cost", start, 12_345)]


@pytest.mark.req("R3.4.1")
def test_cost_api_and_purchase_api(store: EventStore) -> None:
    client = ApiClient(token=token_for(make_staff("data_ops")))
    body = {
        "category": "advertising",
        "start_on": "2026-03-01",
        "end_on": "2026-03-31",
        "amount_fen": 310_000,
    }
    created = client.post_json("/api/v1/analytics/costs", body)
    assert created.status_code == 201, created.content
    assert created.json()["amount_fen"] == 310_000
    listed = client.get_json("/api/v1/analytics/costs").json()["costs"]
    assert [c["category"] for c in listed] == ["advertising"]
    assert client.post_json("/api/v1/analytics/costs", {**body, "amount_fen": -1}).status_code == 422
    assert CostEntry.objects.count() == 1
    kpis = client.get_json("/api/v1/analytics/kpis?start=2026-03-02&end=2026-03-02").json()
    values = {m["key"]: m["value"] for m in kpis["metrics"]}
    assert values["cost_advertising_fen"] == 10_000  # 3 100.00 over 31 days
    behaviour = client.get_json("/api/v1/analytics/purchase-behaviour?start=2026-03-02&end=2026-03-02")
    assert behaviour.status_code == 200 and len(behaviour.json()["by_hour"]) == 24
    outsider = ApiClient(token=token_for(make_staff("cs_agent")))
    assert outsider.post_json("/api/v1/analytics/costs", body).status_code == 403
    assert CostEntry.objects.count() == 1
    path = f"/api/v1/analytics/costs/{created.json()['id']}/delete"
    assert outsider.post_json(path, {"reason": "typo"}).status_code == 403
    assert client.post_json(path, {"reason": ""}).status_code == 422
    assert client.post_json(path, {"reason": "typo"}).status_code == 204
    assert CostEntry.objects.count() == 0
    assert client.post_json(path, {"reason": "typo"}).status_code == 404
