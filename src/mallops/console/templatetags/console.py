"""The console's components: ``{% load console %}`` in any console template.

Filters: ``yuan`` (fen → ¥1,049.00), ``duration_zh`` (seconds → 2 小时 15 分), ``dt`` (Beijing time,
``YYYY-MM-DD HH:mm``), ``tone`` (status value → badge tone).
Tags: ``page_header``, ``kpi_card``, ``status_badge``, ``empty_state``, ``progress_bar``, ``data_table``,
``form_fields``, ``form_field``, ``echart``, ``echarts_script``. Card, buttons and the confirmation dialog are markup
conventions (``class="card"``, ``class="btn btn-primary|btn-secondary|btn-danger"``, ``data-confirm="…"``).
Every component is described, with an example, in docs/console.md.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms, template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from mallops.console import formats
from mallops.console.forms import YuanField, console_widgets
from mallops.console.lists import DataTable

register = template.Library()
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def yuan(value: int | None) -> str:
    return formats.yuan(value)


@register.filter
def duration_zh(value: Any) -> str:
    return formats.duration(value)


@register.filter(name="dt")
def dt_filter(value: Any) -> str:
    return formats.local_datetime(value)


@register.filter
def tone(value: Any) -> str:
    return formats.tone_of(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def page_url(table: DataTable, number: int) -> str:
    return table.page_url(number)


@register.inclusion_tag("console/components/page_header.html", takes_context=True)
def page_header(
    context: template.Context,
    title: Any,
    subtitle: Any = "",
    action_url: str = "",
    action_label: Any = "",
    secondary_url: str = "",
    secondary_label: Any = "",
) -> dict[str, Any]:
    """The page's ``<h1>``, an optional line under it, and its primary (and one secondary) action.

    Also the breadcrumb trail of a page the layout found none for: the layout builds it from the URL
    (``console.context``), which misses pages reached through tabs or links under an entry (营销 tabs,
    会员等级). When the view names its menu entry (``"active": "<menu key>"``), the trail here is
    工作台 / group / entry (linked) / this page's title."""
    return {
        "title": title,
        "subtitle": subtitle,
        "action_url": action_url,
        "action_label": action_label,
        "secondary_url": secondary_url,
        "secondary_label": secondary_label,
        "crumbs": tab_crumbs(context),
    }


def tab_crumbs(context: template.Context) -> list[dict[str, Any]]:
    """The trail from the view's ``active`` entry, only where the layout shows none."""
    active = context.get("active")
    if not active or context.get("console_crumbs"):
        return []
    item = next((i for i in context.get("console_menu") or [] if i["key"] == active), None)
    if item is None or item["key"] == "dashboard":
        return []
    group = next(
        (g["label"] for g in context.get("console_menu_groups") or [] if g["key"] == item["group"]), None
    )
    crumbs = [{"label": group, "url": ""}] if group is not None else []
    crumbs.append({"label": item["name"], "url": item["url"]})
    return crumbs


@register.inclusion_tag("console/components/kpi_card.html")
def kpi_card(
    label: Any,
    value: Any,
    previous: Any = None,
    money: bool = False,
    unit: str = "",
    period: Any = "",
    href: str = "",
    better: str = "up",
    testid: str = "",
) -> dict[str, Any]:
    """A KPI: its value, label and change against the previous period (green when it moved the good way)."""
    change = None
    if isinstance(value, int | float) and isinstance(previous, int | float):
        change = formats.percent_change(value, previous)
    if change is None:
        direction = ""
    elif abs(change) < 0.05:
        direction = "flat"
    else:
        went_up = change > 0
        direction = "up" if went_up == (better == "up") else "down"
    shown = formats.yuan(value) if money else ("—" if value is None else value)
    return {
        "label": label,
        "value": shown,
        "unit": unit,
        "change": change,
        "arrow": "" if change is None else ("↑" if change > 0 else "↓" if change < 0 else "→"),
        "change_abs": None if change is None else abs(change),
        "direction": direction,
        "period": period,
        "href": href,
        "testid": testid,
    }


@register.inclusion_tag("console/components/status_badge.html")
def status_badge(value: Any, label: Any = None, tone: str = "") -> dict[str, Any]:
    """``{% status_badge order.status order.get_status_display %}``: the label, coloured by the value's tone."""
    return {
        "label": value if label in (None, "") else label,
        "tone": tone or formats.tone_of(value),
        "value": value,
    }


@register.inclusion_tag("console/components/empty_state.html")
def empty_state(title: Any, hint: Any = "", action_url: str = "", action_label: Any = "") -> dict[str, Any]:
    """What is missing and what to do next, with the action as a button."""
    return {"title": title, "hint": hint, "action_url": action_url, "action_label": action_label}


@register.inclusion_tag("console/components/progress_bar.html")
def progress_bar(done: Any, total: Any, status: str = "", label: Any = "") -> dict[str, Any]:
    """A long job's progress; ``status`` ``done``/``failed`` colours it, ``label`` replaces ``done / total``."""
    try:
        percent = max(0, min(100, round(float(done) / float(total) * 100))) if total else 0
    except (TypeError, ValueError):
        percent = 0
    if status == "done":
        percent = 100
    if not label and total == 100:
        label = f"{percent}%"  # a job that reports percent: 40 / 100 would say it twice
    return {"percent": percent, "done": done, "total": total, "status": status, "label": label}


@register.inclusion_tag("console/components/data_table.html", takes_context=True)
def data_table(context: template.Context, table: DataTable) -> dict[str, Any]:
    """Draws a ``mallops.console.lists.DataTable``: toolbar, batch bar, sortable headers, rows, pages, export."""
    return {"table": table, "request": context.get("request"), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("console/components/form_fields.html")
def form_fields(form: forms.BaseForm) -> dict[str, Any]:
    """Every field of ``form`` (labels, pickers, errors under each field) after its non-field errors."""
    console_widgets(form)
    return {"form": form}


@register.inclusion_tag("console/components/field.html")
def form_field(bound: forms.BoundField) -> dict[str, Any]:
    """One field: label (with a mark when required), widget, help text, errors under the field."""
    field = bound.field
    return {
        "field": bound,
        "is_money": isinstance(field, YuanField),
        "is_checkbox": isinstance(field.widget, forms.CheckboxInput),
    }


@register.inclusion_tag("console/components/chart.html")
def echart(chart_id: str, option: dict[str, Any], height: int = 320, label: Any = "") -> dict[str, Any]:
    """An Apache ECharts chart: ``option`` is the ECharts option (a dict, sent as JSON, never as code).

    Needs ``{% echarts_script %}`` in ``{% block head %}``. The console's defaults fill in what every chart
    should have: a tooltip, a legend when there is more than one series, a grid that leaves room for the
    axis labels, and the console's colours.
    """
    option = dict(option)
    option.setdefault("tooltip", {"trigger": "axis"})
    series = option.get("series") or []
    if isinstance(series, list) and len(series) > 1:
        option.setdefault("legend", {"top": 0})
    option.setdefault("grid", {"left": 48, "right": 24, "top": 40, "bottom": 32, "containLabel": True})
    option.setdefault("color", ["#1d63d8", "#c4161c", "#138a43", "#b25e00", "#7a4cc2", "#0f8b8d"])
    # the same escaping as json_script: the JSON cannot close the <script> element
    option_json = json.dumps(option, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return {"chart_id": chart_id, "option_json": mark_safe(option_json), "height": height, "label": label}


@register.simple_tag
def echarts_script() -> str:
    """The pinned Apache ECharts build the project serves (put it in ``{% block head %}``)."""
    return format_html('<script src="{}" defer></script>', static("console/vendor/echarts/echarts.min.js"))
