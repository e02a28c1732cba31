"""Analytics console forms and charts (issue 14 item 4, R3.3.2): events picked from a list, windows as a number
and a unit, dates from the picker, chart + table + CSV/XLSX export, blank retention cells for days not reached,
RFM definitions with drill-down to masked buyers, purchase behaviour (R3.2.2) and cost inputs (R3.4.1)."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from analytics_django_support import ev, store
from django.test import Client
from django.utils import timezone

from mallops.analytics.models import CostEntry, SegmentMember
from mallops.analytics.services import events_ingest
from mallops.analytics.store.store import EventStore
from mallops.analytics.views_reports import retention_cells
from mallops.audit.models import AuditEvent
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db
__all__ = ["store"]


def signed_in(*roles: str) -> Client:
    client = Client()
    client.force_login(make_staff(*roles))
    return client


def chart_option(html: str, chart_id: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{chart_id}-option">(.*?)</script>', html, re.S)
    assert found, f"no chart {chart_id}"
    option: dict[str, object] = json.loads(found.group(1))
    return option


FUNNEL_EVENTS = [
    # a: all three steps within 2 hours; b: checkout after 3 hours (outside a 2-hour window); c: first step only
    ev("a1", "page_view", "a", 0),
    ev("a2", "add_to_cart", "a", 30),
    ev("a3", "order_paid", "a", 100, order_id="A", amount_fen=100),
    ev("b1", "page_view", "b", 0),
    ev("b2", "add_to_cart", "b", 10),
    ev("b3", "order_paid", "b", 180, order_id="B", amount_fen=100),
    ev("c1", "page_view", "c", 5),
]
FUNNEL_FORM = {
    "step_1": "page_view",
    "step_2": "add_to_cart",
    "step_3": "order_paid",
    "step_4": "",
    "window_value": "2",
    "window_unit": "hour",
    "start": "2026-03-02",
    "end": "2026-03-02",
}


@pytest.mark.req("R3.3.2")
def test_funnel_form_picks_events_and_a_window_in_hours_and_draws_chart_table_export(
    store: EventStore,
) -> None:
    events_ingest(events=FUNNEL_EVENTS)
    client = signed_in("data_ops")
    empty = client.get("/analytics/funnel/").content.decode()
    # events are offered by their Chinese names; the window unit is a select; dates use the picker
    assert '<option value="page_view" selected>浏览页面</option>' in empty or ">浏览页面</option>" in empty
    assert '<option value="hour">小时</option>' in empty and 'type="date"' in empty
    html = client.get("/analytics/funnel/", FUNNEL_FORM).content.decode()
    option = chart_option(html, "funnel-chart")
    series = option["series"][0]  # type: ignore[index]
    assert series["type"] == "funnel" and series["sort"] == "none"
    assert [(d["name"][:2], d["value"]) for d in series["data"]] == [("1.", 3), ("2.", 2), ("3.", 1)]
    assert len({d["name"] for d in series["data"]}) == 3  # distinct labels
    table = html[html.index('data-testid="funnel-table"') :]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[:18] == [
        *("1", "浏览页面", "3", "100.0%", "—", "0 秒"),
        *("2", "加入购物车", "2", "66.7%", "33.3%", "20 分"),  # median of 30 and 10 minutes
        *("3", "支付订单", "1", "33.3%", "50.0%", "1 小时 40 分"),
    ]
    # a 4-hour window lets b convert too
    wider = client.get("/analytics/funnel/", {**FUNNEL_FORM, "window_value": "4"}).content.decode()
    assert [d["value"] for d in chart_option(wider, "funnel-chart")["series"][0]["data"]] == [3, 2, 2]  # type: ignore[index]
    csv = client.get("/analytics/funnel/", {**FUNNEL_FORM, "export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        "1,浏览页面,3,100.0%,—,0.0",
        "2,加入购物车,2,66.7%,33.3%,1200.0",
        "3,支付订单,1,33.3%,50.0%,6000.0",
    ]
    xlsx = client.get("/analytics/funnel/", {**FUNNEL_FORM, "export": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and [c.value for c in sheet[3]][:3] == [2, "加入购物车", 2]


def test_funnel_form_errors_are_per_field_in_chinese(store: EventStore) -> None:
    client = signed_in("data_ops")
    html = client.get(
        "/analytics/funnel/",
        {**FUNNEL_FORM, "window_value": "400", "window_unit": "day", "end": "2026-03-01"},
    ).content.decode()
    assert "转化窗口最长 366 天。" in html and "结束日期早于开始日期。" in html
    assert "funnel-chart" not in html


@pytest.mark.django_db(False)
def test_retention_cells_leave_days_not_reached_blank() -> None:
    cohorts = [
        {"date": "2026-03-01", "rates": [1.0, 0.5, 0.0, 0.25]},
        {"date": "2026-03-03", "rates": [1.0, 0.0, 0.0, 0.0]},
    ]
    cells = retention_cells(cohorts, 4, date(2026, 3, 4))
    assert cells == [[100.0, 50.0, 0.0, 25.0], [100.0, 0.0, None, None]]


@pytest.mark.req("R3.3.2")
def test_retention_heatmap_is_blank_where_the_day_has_not_come(store: EventStore) -> None:
    now = timezone.now()
    today = timezone.localdate()
    yesterday = now - timedelta(days=1)

    def at(uid: str, event: str, who: str, moment: object) -> dict[str, object]:
        return {"uuid": uid, "event": event, "distinct_id": who, "timestamp": moment.isoformat()}  # type: ignore[attr-defined]

    events_ingest(
        events=[
            at("s1", "signup", "u1", yesterday),
            at("s2", "signup", "u2", yesterday),
            at("r1", "order_paid", "u1", now),
        ]
    )
    client = signed_in("data_ops")
    html = client.get(
        "/analytics/retention/",
        {
            "start_event": "signup",
            "return_event": "order_paid",
            "periods": "5",
            "start": (today - timedelta(days=3)).isoformat(),
            "end": today.isoformat(),
        },
    ).content.decode()
    # the cohort is yesterday's (2 users); u1 came back today (day 1); days 2 to 4 have not come yet
    from mallops.analytics import selectors

    spec = selectors.retention_spec(
        start_event="signup",
        return_event="order_paid",
        periods=5,
        from_=f"{today - timedelta(days=3)}T00:00:00+08:00",
        to=f"{today + timedelta(days=1)}T00:00:00+08:00",
    )
    cohort = selectors.retention_report(spec)["cohorts"][0]
    assert (cohort["size"], cohort["retained"], cohort["reached"]) == (2, [0, 1, 0, 0, 0], 2)
    option = chart_option(html, "retention-heatmap")
    assert option["series"][0]["data"] == [[0, 0, 0.0], [1, 0, 50.0]]  # type: ignore[index]
    table = html[html.index('data-testid="retention-table"') :]
    body = table[table.index("<tbody>") :]
    row = body[: body.index("</tr>")]
    assert re.findall(r">([^<]*)</td>", row) == [
        str(today - timedelta(days=1)),
        "2",
        "0.0%",
        "50.0%",
        "",
        "",
        "",
    ]
    assert row.count('class="not-reached"') == 3


@pytest.mark.req("R3.2.2")
@pytest.mark.req("R3.3.2")
def test_purchase_page_chart_table_and_export(store: EventStore) -> None:
    events_ingest(
        events=[
            ev("o1", "order_paid", "a", 0, order_id="1", amount_fen=12_345, payment_method="alipay"),
            ev("o2", "order_paid", "b", 5, order_id="2", amount_fen=100, payment_method="wechat"),
            ev("o3", "order_paid", "c", 70, order_id="3", amount_fen=200, payment_method="wechat"),
        ]
    )
    client = signed_in("data_ops")
    html = client.get("/analytics/purchase/", {"start": "2026-03-02", "end": "2026-03-02"}).content.decode()
    hours = chart_option(html, "purchase-hours")
    assert hours["xAxis"]["data"][9] == "09 时"  # type: ignore[index]
    assert hours["series"][0]["data"][9:11] == [2, 1]  # type: ignore[index]
    assert len(set(hours["xAxis"]["data"])) == 24  # type: ignore[index]
    methods = chart_option(html, "purchase-methods")
    assert methods["series"][0]["data"] == [{"name": "微信支付", "value": 2}, {"name": "支付宝", "value": 1}]  # type: ignore[index]
    assert "¥123.45" in html and "66.7%" in html
    csv = client.get("/analytics/purchase/", {"start": "2026-03-02", "end": "2026-03-02", "export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert "下单时段,09 时,2,2,124.45,66.7%" in lines and "支付方式,支付宝,1,1,123.45,33.3%" in lines


@pytest.mark.req("R3.4.1")
def test_cost_form_in_yuan_is_audited_and_needs_manage(store: EventStore) -> None:
    form = {
        "category": "advertising",
        "start_on": "2026-03-01",
        "end_on": "2026-03-31",
        "amount_fen": "3,100.00",
        "note": "信息流",
    }
    viewer = signed_in("user_ops")
    assert viewer.post("/analytics/costs/", form).status_code == 403
    assert viewer.get("/analytics/costs/").status_code == 200
    client = signed_in("data_ops")
    page = client.get("/analytics/costs/").content.decode()
    assert 'class="money"' in page and ">广告</option>" in page
    response = client.post("/analytics/costs/", form)
    assert response.status_code == 302
    entry = CostEntry.objects.get()
    assert (entry.amount_fen, entry.start_on, entry.note) == (310_000, date(2026, 3, 1), "信息流")
    assert AuditEvent.objects.filter(action="analytics.cost_create", object_id=str(entry.pk)).count() == 1
    listed = client.get("/analytics/costs/").content.decode()
    assert "¥3,100.00" in listed and "广告" in listed
    bad = client.post("/analytics/costs/", {**form, "amount_fen": "12.345", "end_on": "2026-02-01"})
    assert bad.status_code == 200 and CostEntry.objects.count() == 1
    kpis = client.get("/analytics/?start=2026-03-02&end=2026-03-02").content.decode()
    assert "¥100.00" in kpis  # 3,100.00 over 31 days
    # a mistaken entry is removed with a reason; the audit keeps what it held
    assert viewer.post(f"/analytics/costs/{entry.pk}/delete", {"reason": "typo"}).status_code == 403
    assert client.post(f"/analytics/costs/{entry.pk}/delete", {"reason": ""}).status_code == 302
    assert CostEntry.objects.count() == 1
    assert client.post(f"/analytics/costs/{entry.pk}/delete", {"reason": "录错了"}).status_code == 302
    assert CostEntry.objects.count() == 0
    removed = AuditEvent.objects.get(action="analytics.cost_delete")
    assert removed.before is not None
    assert (removed.before["amount_fen"], removed.before["reason"]) == (310_000, "录错了")


@pytest.mark.req("R3.3.2")
def test_rfm_page_defines_segments_and_drills_down_to_masked_buyers(store: EventStore) -> None:
    from mallops.testing.orders import make_buyer

    buyer = make_buyer("rfm-buyer")
    buyer.phone = "13912345678"
    buyer.save()
    for who, tag, spend in (("rfm-buyer", "high_value", 99_900), ("other", "churned", 100)):
        SegmentMember.objects.create(
            distinct_id=who,
            recency_days=1,
            frequency=5,
            monetary_fen=spend,
            r_score=5,
            f_score=5,
            m_score=5,
            tag=tag,
            computed_on=date(2026, 3, 2),
            source="events",
        )
    client = signed_in("data_ops")
    html = client.get("/analytics/insights/").content.decode()
    option = chart_option(html, "rfm-segments")
    bars = option["series"][0]["data"]  # type: ignore[index]
    assert {"value": 1, "href": "/analytics/segments/high_value/"} in bars
    names = option["xAxis"]["data"]  # type: ignore[index]
    assert len(set(names)) == len(names) == 5 and "高价值用户" in names
    assert "R、F、M 三项得分均为 4 或 5" in html and 'href="/analytics/segments/high_value/"' in html
    drill = client.get("/analytics/segments/high_value/").content.decode()
    assert "rfm-buyer" in drill and "¥999.00" in drill and "other" not in drill
    assert "13912345678" not in drill and "139****5678" in drill
    assert client.get("/analytics/segments/nonsense/").status_code == 404
    export = client.get("/analytics/segments/high_value/?export=csv").content.decode("utf-8-sig")
    assert "13912345678" not in export and "139****5678" in export


def test_new_pages_need_analytics_view(store: EventStore) -> None:
    client = signed_in("listing_reviewer")
    for path in ("/analytics/purchase/", "/analytics/costs/", "/analytics/segments/high_value/"):
        assert client.get(path).status_code == 403
