"""A plain inline SVG bar chart built server-side (no JavaScript, no chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(
    points: Sequence[tuple[str, int]], *, title: str = "", width: int = 640, height: int = 180
) -> str:
    """Bars for ``(label, value)`` points; labels under the bars, values above them."""
    if not points:
        return ""
    top = max(max(v for _, v in points), 1)
    left, bottom, head = 8, 28, 22
    plot_h = height - bottom - head
    step = (width - 2 * left) / len(points)
    bar_w = max(step * 0.7, 2.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" width="100%">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12">{escape(title)}</text>',
    ]
    every = max(1, len(points) // 12)
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = left + i * step + (step - bar_w) / 2
        y = head + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#3b82f6">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if value:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{value}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" font-size="10" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
