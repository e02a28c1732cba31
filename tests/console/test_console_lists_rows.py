"""``DataTable`` over rows a report already computed (a list of dicts): the same query parameters as a
queryset (search, filters, date range, sort, pages, export), in memory."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory

from mallops.console.formats import SHANGHAI
from mallops.console.lists import Column, DataTable, DateRange, Filter

ROWS = [
    {"id": 1, "type": "promotion", "name": "满100减20", "shop": {"name": "甲店"}, "gmv_fen": 50000,
     "at": dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)},  # 2026-12-02 01:00 in Beijing
    {"id": 2, "type": "coupon", "name": "新人券", "shop": None, "gmv_fen": None,
     "at": dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)},
    {"id": 3, "type": "coupon", "name": "满200减30", "shop": {"name": "乙店"}, "gmv_fen": 120000,
     "at": dt.datetime(2026, 12, 5, 2, 0, tzinfo=SHANGHAI)},
]  # fmt: skip


def _ids(params: dict[str, str], page_size: int = 50) -> list[int]:
    table = DataTable(
        RequestFactory().get("/report/", params),
        ROWS,
        columns=[
            Column("name", "名称", sort="name"),
            Column("gmv_fen", "成交额", kind="money", sort="gmv_fen"),
        ],
        search=["name", "shop__name"],
        filters=[Filter("type", "类型", [("promotion", "活动"), ("coupon", "优惠券")])],
        date_range=DateRange("at", "时间"),
        default_sort="-gmv_fen",
        page_size=page_size,
        export_name="report",
        row_key="id",
    )
    return [row.key for row in table.rows]


def test_rows_in_memory_search_filter_date_range_sort_and_page() -> None:
    assert _ids({}) == [3, 1, 2]  # no amount sorts last either way
    assert _ids({"sort": "gmv_fen"}) == [1, 3, 2]
    assert _ids({"q": "乙"}) == [3] and _ids({"q": "满"}) == [3, 1]
    assert _ids({"type": "coupon"}) == [3, 2] and _ids({"type": "nonsense"}) == [3, 1, 2]
    assert _ids({"from": "2026-12-02", "to": "2026-12-03"}) == [1, 2]  # Beijing days, both included
    assert _ids({"page": "2"}, page_size=2) == [2]


def test_rows_in_memory_export_the_filtered_rows() -> None:
    table = DataTable(
        RequestFactory().get("/report/", {"type": "coupon", "export": "csv"}),
        ROWS,
        columns=[Column("name", "名称"), Column("gmv_fen", "成交额", kind="money", sort="gmv_fen")],
        filters=[Filter("type", "类型", [("promotion", "活动"), ("coupon", "优惠券")])],
        default_sort="-gmv_fen",
        export_name="campaigns",  # a computed-row export declares its columns (privacy.exports)
    )
    body = table.export_response().content.decode("utf-8-sig")
    assert body.splitlines() == ["名称,成交额", "满200减30,1200.00", "新人券,"]
