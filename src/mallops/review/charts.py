"""Inline SVG charts built on the server (no JavaScript, no downloaded library)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    bars: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 560, bar_height: int = 22
) -> SafeString:
    """Horizontal bars, one per ``(label, value)``; labels and values are escaped."""
    label_width, gap, top = 210, 6, 28
    height = top + len(bars) * (bar_height + gap) + 8
    peak = max((value for _, value in bars), default=0) or 1
    span = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(bars):
        y = top + index * (bar_height + gap)
        length = max(1, round(span * value / peak)) if value else 0
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" font-size="12" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="#c4161c" rx="3">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.7:.1f}" font-size="12">{escape(shown)}</text>'
        )
    if not bars:
        parts.append(f'<text x="0" y="{top + 14}" font-size="12" fill="#667085">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def highlight(text: str, spans: list[tuple[int, int, str, str]]) -> list[dict[str, object]]:
    """Split ``text`` into plain and marked segments for ``(start, end, rule, basis)`` spans.
    Overlapping spans are merged into the first one."""
    segments: list[dict[str, object]] = []
    cursor = 0
    for start, end, rule, basis in sorted(spans):
        if start < cursor or end <= start or end > len(text):
            continue
        if start > cursor:
            segments.append({"text": text[cursor:start], "mark": False})
        segments.append({"text": text[start:end], "mark": True, "rule": rule, "basis": basis})
        cursor = end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "mark": False})
    return segments
