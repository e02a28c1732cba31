"""Charts (R3.3.2): ECharts options built on the server (funnel, heatmap, zoomable time series, bars with
drill-down links, pie), and the inline SVG charts kept as the ``<noscript>`` fallback."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 200
PAD_LEFT = 56
PAD_BOTTOM = 24
PAD_TOP = 40  # room for the title above the plot, so the title never sits on the axis values
PAD_RIGHT = 24


def _fmt(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 10_000:.1f}万"
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}"


def _frame(title: str, body: list[str], top: float) -> SafeString:
    axis = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#999"/>',
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#999"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11">{escape(_fmt(top))}</text>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{WIDTH - PAD_RIGHT}" y2="{PAD_TOP}" stroke="#eee"/>',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{HEIGHT - PAD_BOTTOM}" text-anchor="end" font-size="11">0</text>',
    ]
    return mark_safe(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(axis + body)}</svg>"
    )


def _labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    step = max(1, len(labels) // 8)
    return [
        f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="10">{escape(label)}</text>'
        for i, (label, x) in enumerate(zip(labels, xs, strict=True))
        if i % step == 0
    ]


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> SafeString:
    numbers = [v or 0.0 for v in values]
    top = max(numbers, default=0.0) or 1.0
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(1, len(numbers) - 1)
    xs = [PAD_LEFT + 4 + plot_w * i / n for i in range(len(numbers))]
    ys = [HEIGHT - PAD_BOTTOM - plot_h * v / top for v in numbers]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    body = [f'<polyline fill="none" stroke="#c0392b" stroke-width="2" points="{points}"/>']
    body += [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#c0392b"><title>{escape(label)}: {escape(_fmt(v))}</title></circle>'
        for x, y, v, label in zip(xs, ys, numbers, labels, strict=True)
    ]
    return _frame(title, body + _labels(labels, xs), top)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> SafeString:
    numbers = [v or 0.0 for v in values]
    top = max(numbers, default=0.0) or 1.0
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(1, len(numbers))
    body = []
    xs = []
    for i, (label, v) in enumerate(zip(labels, numbers, strict=True)):
        h = plot_h * v / top
        x = PAD_LEFT + 4 + slot * i
        xs.append(x + slot / 2)
        body.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{HEIGHT - PAD_BOTTOM - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}" fill="#2e86c1"><title>{escape(label)}: {escape(_fmt(v))}</title></rect>'
        )
    return _frame(title, body + _labels(labels, xs), top)


# --- Apache ECharts options (drawn by ``{% echart %}``; plain dicts sent as JSON, never code) -------------
# Every option names its axes' labels so they never overlap (``hideOverlap``), gives each bar its own
# category label, and carries a tooltip; the numbers are the table's numbers, so the table below each chart
# is the accessible fallback.

DATA_ZOOM = [{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 6}]


def funnel_option(steps: Sequence[tuple[str, int]], *, unit: str = "") -> dict[str, object]:
    """A funnel in step order (not re-sorted): ``steps`` are (label, users)."""
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}" + unit},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "top": 16,
                "bottom": 16,
                "minSize": "8%",
                "gap": 2,
                "label": {"show": True, "position": "inside", "formatter": "{b}\n{c}" + unit},
                "labelLayout": {"hideOverlap": True},
                "data": [{"name": name, "value": value} for name, value in steps],
            }
        ],
    }


def heatmap_height(rows: int) -> int:
    """Pixels for a heatmap of ``rows`` rows: 24 px a row (labels never overlap) plus axes and scale."""
    return max(240, 110 + 24 * rows)


def heatmap_option(
    columns: Sequence[str], rows: Sequence[str], cells: Sequence[Sequence[float | None]]
) -> dict[str, object]:
    """A percentage heatmap: ``cells[row][column]`` in % or None. A None cell is left out of the data, so it
    stays blank (a period not reached yet is not 0 %). Draw it :func:`heatmap_height` pixels high."""
    data = [[x, y, value] for y, row in enumerate(cells) for x, value in enumerate(row) if value is not None]
    return {
        "tooltip": {"trigger": "item", "formatter": "{c}%"},
        "grid": {"left": 96, "right": 16, "top": 16, "bottom": 72, "containLabel": False},
        "xAxis": {
            "type": "category",
            "data": list(columns),
            "splitArea": {"show": True},
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {
            "type": "category",
            "data": list(rows),
            "inverse": True,
            "splitArea": {"show": True},
            "axisLabel": {"hideOverlap": True},
        },
        "visualMap": {
            "min": 0,
            "max": 100,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "itemHeight": 120,
            "inRange": {"color": ["#eef4fd", "#1d63d8"]},
        },
        "series": [
            {
                "type": "heatmap",
                "data": data,
                # one label per cell while they fit; the tooltip always has the figure
                "label": {"show": len(columns) <= 16, "formatter": "{@[2]}%", "fontSize": 10},
                "emphasis": {"itemStyle": {"borderColor": "#333", "borderWidth": 1}},
            }
        ],
    }


def time_series_option(
    dates: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    kind: str = "line",
    second_axis: bool = False,
) -> dict[str, object]:
    """Days on the x axis with zoom (mouse wheel and a slider); one line (or bar) per (name, values).
    With ``second_axis`` the second series has its own y axis on the right (GMV in 元 beside an order count
    would otherwise flatten the count to the floor)."""
    axes: list[dict[str, object]] = [{"type": "value", "name": series[0][0] if second_axis else ""}]
    if second_axis:
        axes.append({"type": "value", "name": series[1][0], "splitLine": {"show": False}})
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 48, "top": 48, "bottom": 56, "containLabel": True},
        "dataZoom": DATA_ZOOM,
        "xAxis": {"type": "category", "data": list(dates), "axisLabel": {"hideOverlap": True}},
        "yAxis": axes if second_axis else axes[0],
        "series": [
            {
                "name": name,
                "type": kind,
                "data": list(values),
                "smooth": False,
                "showSymbol": len(values) <= 31,
                **({"yAxisIndex": 1} if second_axis and index == 1 else {}),
            }
            for index, (name, values) in enumerate(series)
        ],
    }


def bar_option(
    categories: Sequence[str],
    values: Sequence[float | int | None],
    *,
    name: str = "",
    links: Sequence[str] | None = None,
    horizontal: bool = False,
    show_values: bool = True,
) -> dict[str, object]:
    """One bar per category, its value written on it; ``links`` make a click open that page (drill-down)."""
    data: list[object] = [
        {"value": value, "href": links[index]} if links else value for index, value in enumerate(values)
    ]
    category_axis = {
        "type": "category",
        "data": list(categories),
        "axisLabel": {"hideOverlap": True, "interval": "auto"},
    }
    value_axis = {"type": "value"}
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": data,
                "label": {"show": show_values, "position": "right" if horizontal else "top"},
                "labelLayout": {"hideOverlap": True},
                "cursor": "pointer" if links else "default",
            }
        ],
    }


def pie_option(items: Sequence[tuple[str, float | int]], *, name: str = "") -> dict[str, object]:
    """Shares of a whole, labelled with name and percentage; the legend lists every slice."""
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}（{d}%）"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "name": name,
                "type": "pie",
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "avoidLabelOverlap": True,
                "label": {"formatter": "{b}\n{d}%"},
                "labelLayout": {"hideOverlap": True},
                "data": [{"name": label, "value": value} for label, value in items],
            }
        ],
    }
