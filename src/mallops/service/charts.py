"""Small inline SVG charts built on the server (no JavaScript library): bars and a two-series line."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_BAR = "#c4161c"
_MET = "#079455"  # a bar at or past its target
_MUTED = "#98a2b3"


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    target: float | None = None,
    unit: str = "",
    width: int = 480,
    label_width: int = 210,
) -> SafeString:
    """Horizontal bars, one per item; ``target`` draws a dashed reference line, and a bar that reaches it is
    green (the others keep the alarm red), so a page of met targets does not read as a page of alarms."""
    row = 24
    height = row * max(len(items), 1) + 10
    values = [v for _, v in items if v is not None]
    top = maximum or max([*values, target or 0, 1e-9])
    span = width - label_width - 60
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" font-size="12" fill="{_MUTED}">—</text>')
            continue
        length = max(1.0, span * value / top)
        fill = _MET if target is not None and value >= target else _BAR
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="16" fill="{fill}" rx="2"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" font-size="12">{value:g}{escape(unit)}</text>'
        )
    if target is not None:
        x = label_width + span * target / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#175cd3" stroke-dasharray="4 3"><title>{escape(_("Target"))} {target:g}{escape(unit)}</title></line>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(
    labels: Sequence[str], series: dict[str, Sequence[float]], *, width: int = 560, height: int = 180
) -> SafeString:
    """Lines over a shared x axis (e.g. tickets created vs resolved per day), legend on top."""
    colours = [_BAR, "#12b76a", "#175cd3", _MUTED]
    n = max(len(labels), 2)
    top = max([1.0, *(v for values in series.values() for v in values)])
    left, bottom, plot_h = 30, height - 20, height - 45
    step = (width - left - 10) / (n - 1)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="{_MUTED}"/>')
    parts.append(f'<text x="2" y="30" font-size="11">{top:g}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = colours[k % len(colours)]
        points = " ".join(
            f"{left + i * step:.1f},{bottom - plot_h * v / top:.1f}" for i, v in enumerate(values)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{left + 120 * k}" y="12" font-size="12" fill="{colour}">■ {escape(name)}</text>'
        )
    if labels:
        parts.append(f'<text x="{left}" y="{height - 4}" font-size="11">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{width - 10}" y="{height - 4}" font-size="11" text-anchor="end">{escape(labels[-1])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
