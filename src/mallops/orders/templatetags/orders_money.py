"""``{{ fen|yuan }}`` -> ¥1,234.56 (mallops.core.money.format_fen)."""

from __future__ import annotations

from django import template

from mallops.core.money import format_fen

register = template.Library()


@register.filter
def yuan(value: int | None) -> str:
    return "" if value is None else format_fen(int(value))
