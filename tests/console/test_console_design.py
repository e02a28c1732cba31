"""The console design system: menu groups, layout, components, formats, data table, forms, error pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from mallops.accounts.models import User
from mallops.console import formats
from mallops.console.forms import YuanField
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.console.navigation import GROUP_KEYS, MENU
from mallops.testing.factories import PASSWORD, make_staff

CONSOLE = Path(__file__).resolve().parents[2] / "src" / "mallops" / "console"


# ---- formats
@pytest.mark.parametrize(
    ("fen", "shown"), [(104900, "¥1,049.00"), (5, "¥0.05"), (0, "¥0.00"), (-1999, "-¥19.99"), (None, "—")]
)
def test_yuan_shows_fen_as_yuan(fen, shown):
    assert formats.yuan(fen) == shown


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (8100, "2 小时 15 分", "2 h 15 min"),
        (27049, "7 小时 30 分", "7 h 30 min"),
        (45, "45 秒", "45 s"),
        (0, "0 秒", "0 s"),
        (90061, "1 天 1 小时", "1 d 1 h"),
        (dt.timedelta(minutes=90), "1 小时 30 分", "1 h 30 min"),
    ],
)
def test_duration_reads_in_the_two_largest_units(seconds, zh, en):
    with translation.override("zh-hans"):
        assert formats.duration(seconds) == zh
    with translation.override("en"):
        assert formats.duration(seconds) == en


def test_one_date_format_in_beijing_time():
    moment = dt.datetime(2026, 12, 6, 16, 5, 59, tzinfo=dt.UTC)
    assert formats.local_datetime(moment) == "2026-12-07 00:05"
    assert formats.local_datetime(dt.date(2026, 1, 2)) == "2026-01-02"
    assert formats.local_datetime(None) == "—"


def test_template_filters_and_badge_tones():
    html = Template(
        "{% load console %}{{ 104900|yuan }}|{{ 8100|duration_zh }}|{{ when|dt }}|"
        "{% status_badge 'rejected' '已驳回' %}{% status_badge 'approved' '已通过' %}"
    ).render(Context({"when": dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)}))
    assert "¥1,049.00|" in html and "|2026-12-07 10:00|" in html
    assert '<span class="badge danger" data-status="rejected">已驳回</span>' in html
    assert '<span class="badge success" data-status="approved">已通过</span>' in html


def test_kpi_card_shows_the_change_against_the_previous_period():
    html = Template("{% load console %}{% kpi_card '成交额' 120000 100000 money=True %}").render(Context())
    assert "¥1,200.00" in html and "↑ 20.0%" in html and 'class="change up"' in html
    # a smaller number can be the better one (turnaround time)
    html = Template("{% load console %}{% kpi_card '审核时长' 80 100 better='down' %}").render(Context())
    assert "↓ 20.0%" in html and 'class="change up"' in html
    html = Template("{% load console %}{% kpi_card '新客' 5 0 %}").render(Context())
    assert "change" not in html


def test_progress_bar_and_empty_state():
    html = Template(
        "{% load console %}{% progress_bar 3 12 %}{% empty_state '还没有商品' '先创建一个商品' '/new/' '创建商品' %}"
    ).render(Context())
    assert 'aria-valuenow="25"' in html and "3 / 12 · 25%" in html
    assert "还没有商品" in html and '<a class="btn btn-primary" href="/new/">创建商品</a>' in html


# ---- money typed in yuan
class PriceForm(forms.Form):
    price = YuanField(label="价格", max_fen=100_000_00)
    starts = forms.DateTimeField(label="开始时间", required=False)
    day = forms.DateField(label="日期", required=False)


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("1049", 104900), ("1,049.00", 104900), ("¥1049.5", 104950), ("0.01", 1), (".5", 50), ("0.1", 10)],
)
def test_yuan_field_converts_exactly_to_fen(typed, fen):
    form = PriceForm({"price": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == fen


@given(st.integers(min_value=0, max_value=100_000_00))
def test_yuan_field_round_trips_what_it_shows(fen):
    shown = PriceForm(initial={"price": fen})["price"].value()
    rendered = PriceForm.base_fields["price"].widget.format_value(shown)
    form = PriceForm({"price": rendered})
    assert form.is_valid()
    assert form.cleaned_data["price"] == fen


@pytest.mark.parametrize("typed", ["1.234", "abc", "1e3", "-5", "100000.01"])
def test_yuan_field_refuses_in_chinese(typed):
    with translation.override("zh-hans"):
        form = PriceForm({"price": typed})
        assert not form.is_valid()
        assert re.search(r"[\u4e00-\u9fff]", form.errors["price"][0])


def test_form_fields_renders_pickers_money_and_errors_under_the_field():
    with translation.override("zh-hans"):
        form = PriceForm({"price": "1.234"})
        form.is_valid()
        html = Template("{% load console %}{% form_fields form %}").render(Context({"form": form}))
    assert 'type="datetime-local"' in html and 'type="date"' in html
    assert '<div class="money-input"><input type="text" name="price"' in html
    field = html[html.index('data-field="price"') :]
    field = field[: field.index('data-field="starts"')]
    assert 'class="field-errors"' in field and "最多两位小数" in field
    assert PriceForm(initial={"price": 104900})["price"].as_widget().count('value="1,049.00"') == 1


# ---- the data table
@pytest.fixture
def users(db):
    made = []
    for i, name in enumerate(["alice", "bob", "carol", "=evil"]):
        user = User.objects.create(username=name, is_staff=i % 2 == 0)
        User.objects.filter(pk=user.pk).update(date_joined=dt.datetime(2026, 12, 1 + i, 1, 0, tzinfo=dt.UTC))
        made.append(user)
    return made


def _table(params):
    request = RequestFactory().get("/people/", params)
    return DataTable(
        request,
        User.objects.filter(username__in=["alice", "bob", "carol", "=evil"]),
        columns=[
            Column("username", "用户名", sort="username"),
            Column("is_staff", "员工", kind="badge", display=lambda u: "是" if u.is_staff else "否"),
            Column("date_joined", "加入时间", kind="datetime", sort="date_joined"),
            Column("pk", "金额", kind="money", value=lambda u: 104900),
        ],
        search=["username"],
        filters=[Filter("staff", "员工", [("1", "是"), ("0", "否")], lookup="is_staff")],
        date_range=DateRange("date_joined", "加入时间"),
        default_sort="username",
        page_size=2,
        export_name="people",
        testid="people",
    )


def test_data_table_searches_filters_sorts_and_pages(users):
    assert [r.obj.username for r in _table({}).rows] == ["=evil", "alice"]
    assert [r.obj.username for r in _table({"page": 2}).rows] == ["bob", "carol"]
    assert [r.obj.username for r in _table({"q": "AR"}).rows] == ["carol"]
    assert [r.obj.username for r in _table({"staff": "1"}).rows] == ["alice", "carol"]
    assert [r.obj.username for r in _table({"sort": "-date_joined"}).rows] == ["=evil", "carol"]
    # 2026-12-02 01:00 UTC is 09:00 on the 2nd in Beijing: both days of the range are included
    assert [r.obj.username for r in _table({"from": "2026-12-02", "to": "2026-12-03"}).rows] == [
        "bob",
        "carol",
    ]
    # unknown sort keys, filter values and dates are ignored, not errors
    table = _table({"sort": "password", "staff": "x", "from": "yesterday", "page": "zz"})
    assert [r.obj.username for r in table.rows] == ["=evil", "alice"] and not table.is_filtered


def test_data_table_renders_headers_cells_and_links(users):
    table = _table({"sort": "username", "q": "a"})
    html = Template("{% load console %}{% data_table table %}").render(
        Context({"table": table, "request": table.request})
    )
    assert 'data-testid="people"' in html
    assert 'href="?sort=-username&amp;q=a"' in html and 'aria-sort="ascending"' in html
    assert 'data-label="加入时间">' in html and "2026-12-01 09:00" in html and "¥1,049.00" in html
    assert 'href="?sort=username&amp;q=a&amp;export=csv"' in html
    assert "共 2 条" in html


def test_data_table_exports_every_filtered_row(users):
    response = _table({"q": "a", "export": "csv"}).export_response()
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["用户名", "员工", "加入时间", "金额"]
    assert [r[0] for r in rows[1:]] == ["alice", "carol"]  # all pages, not just the first
    assert rows[1][2:] == ["2026-12-01 09:00", "1049.00"]
    evil = list(
        csv.reader(
            io.StringIO(_table({"q": "evil", "export": "csv"}).export_response().content.decode("utf-8-sig"))
        )
    )
    assert evil[1][0] == "'=evil"  # never a formula in a spreadsheet


def test_data_table_exports_xlsx_with_money_as_exact_numbers(users):
    from decimal import Decimal

    from openpyxl import load_workbook

    response = _table({"staff": "0", "export": "xlsx"}).export_response()
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["用户名", "员工", "加入时间", "金额"]
    assert [v[0] for v in values[1:]] == ["'=evil", "bob"]
    assert Decimal(str(values[1][3])) == Decimal("1049.00")
    assert sheet.cell(row=2, column=4).number_format == "#,##0.00"


# ---- layout and menu
def test_every_menu_item_sits_in_a_known_group():
    ungrouped = {item.key for item in MENU if not item.group}
    assert ungrouped == {"dashboard", "notifications", "tasks"}
    assert all(item.group in GROUP_KEYS for item in MENU if item.group)


@pytest.mark.django_db
def test_layout_groups_the_menu_and_draws_breadcrumbs():
    user = make_staff("platform_admin")
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    html = client.get("/orders/").content.decode()
    assert (
        '<div class="nav-group-title">交易</div>' in html
        and '<div class="nav-group-title">系统</div>' in html
    )
    assert 'aria-current="page" data-menu="orders"' in html
    crumbs = html[html.index('class="breadcrumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert re.findall(r">([^<>]+)</(?:a|span)>", crumbs) == ["工作台", "交易", "订单"]
    assert 'id="console-nav"' in html and 'class="menu-button"' in html
    assert "console/favicon.svg" in html and "vendor/htmx/htmx.min.js" in html
    assert 'id="console-confirm"' in html


def test_no_template_loads_anything_from_another_site():
    src = CONSOLE.parent
    offenders = [
        str(path)
        for path in src.rglob("*.html")
        if re.search(r"""(src|href)=["'](https?:)?//""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_vendored_assets_are_pinned_with_their_licences():
    vendor = CONSOLE / "static" / "console" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    assert (
        "| htmx (`htmx.org`) | 2.0.11 | 0BSD" in readme
        and "| Apache ECharts (`echarts`) | 5.6.0 | Apache-2.0" in readme
    )
    assert (vendor / "htmx" / "LICENSE").is_file() and (vendor / "echarts" / "LICENSE").is_file()
    assert b"2.0.11" in (vendor / "htmx" / "htmx.min.js").read_bytes()
    assert b'"5.6.0"' in (vendor / "echarts" / "echarts.min.js").read_bytes()
    static = CONSOLE / "static" / "console"
    assert (static / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (static / "favicon.svg").read_text().startswith("<svg")


# ---- error pages
@pytest.mark.django_db
def test_404_is_a_styled_chinese_page_with_english_and_the_api_keeps_problem_json():
    response = Client().get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "Page not found." in html and "console/console.css" in html
    api = Client().get("/api/v1/no-such-endpoint")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/problem+json")
    assert json.loads(api.content)["status"] == 404


@pytest.mark.django_db
def test_403_is_a_styled_page():
    user = make_staff("cs_agent")
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "没有权限访问此页面" in response.content.decode()


def test_500_page_needs_no_database():
    # no django_db mark: any query here would fail the test
    from mallops.console.errors import server_error

    response = server_error(RequestFactory().get("/orders/"))
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode() and "Something went wrong" in response.content.decode()


def test_echart_sends_the_option_as_json_with_tooltips_and_legend():
    html = Template(
        "{% load console %}{% echart 'trend' option height=240 label='趋势' %}{% echarts_script %}"
    ).render(
        Context(
            {
                "option": {
                    "xAxis": {"type": "category", "data": ["12-01", "12-02"]},
                    "yAxis": {"type": "value"},
                    "series": [
                        {"name": "新建</script>", "type": "line", "data": [3, 5]},
                        {"name": "已解决", "type": "line", "data": [2, 4]},
                    ],
                }
            }
        )
    )
    assert '<div class="chart" id="trend" data-echarts="trend-option" style="height: 240px"' in html
    data = html[html.index('id="trend-option">') + len('id="trend-option">') : html.index("</script>")]
    option = json.loads(data)
    assert option["tooltip"] == {"trigger": "axis"} and option["legend"] == {"top": 0}
    assert option["series"][0]["name"] == "新建</script>"  # escaped in the page, intact as data
    assert "vendor/echarts/echarts.min.js" in html


@pytest.mark.django_db
def test_tab_pages_draw_breadcrumbs_from_their_menu_entry():
    # the layout finds no entry for these URLs (tabs under another entry's page); page_header draws the trail
    user = make_staff("platform_admin")
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    trails = {}
    for url in ("/membership/tiers/", "/marketing/channels/", "/marketing/tags/", "/membership/members/"):
        html = client.get(url).content.decode()
        assert html.count('class="breadcrumbs"') == 1, url
        crumbs = html[html.index('class="breadcrumbs"') :]
        trails[url] = re.findall(r">([^<>]+)</(?:a|span)>", crumbs[: crumbs.index("</nav>")])
    assert trails == {
        "/membership/tiers/": ["工作台", "营销", "会员列表", "会员等级"],
        "/marketing/channels/": ["工作台", "营销", "渠道投入产出报表", "营销渠道"],
        "/marketing/tags/": ["工作台", "营销", "精准营销活动", "买家标签"],
        # the entry's own page keeps the layout's trail
        "/membership/members/": ["工作台", "营销", "会员列表"],
    }
