"""Template access to retention holds: ``{% load dsr_holds %}{% with d=order|delivery_shown %}{{ d.ship_recipient }}``
shows an order's delivery data as merchants and staff may see it (masked while frozen after it ended)."""

from __future__ import annotations

from typing import Any

from django import template

from mallops.dsr.selectors import delivery_for_display

register = template.Library()


@register.filter
def delivery_shown(order: Any) -> dict[str, str]:
    return delivery_for_display(order)
