"""``{% load words %}``: ``{{ order.status|label:"orders.status" }}``, ``{{ path|field_path:"review" }}``.

The codes stay in the data, the API and exports; only what a person reads goes through these filters
(see ``mallops.core.words``).
"""

from __future__ import annotations

from typing import Any

from django import template

from mallops.core import words

register = template.Library()


@register.filter
def label(value: object, key: str) -> str:
    return words.label(value, key)


@register.filter
def field_label(name: object, app: str = "") -> str:
    return words.field_label(str(name), app)


@register.filter
def field_path(path: object, app: str = "") -> str:
    return words.field_path_label(str(path), app)


@register.filter
def label_list(values: object, key: str) -> str:
    """``["incomplete_information", "other"]`` → ``信息不完整、其他（见备注）``."""
    if not values:
        return ""
    items = values if isinstance(values, list | tuple) else [values]
    return words.LIST_SEPARATOR.join(words.label(value, key) for value in items)


@register.filter
def audit_action(code: object) -> str:
    """``{{ e.action|audit_action }}``: ``orders.order_pay`` → ``支付订单`` (keep the code in a title)."""
    return words.action_label("" if code is None else str(code))


@register.filter
def audit_changes(event: Any) -> list[dict[str, str]]:
    """``{% for c in e|audit_changes %}``: an audit event's before → after as readable rows."""
    return words.audit_changes(
        getattr(event, "before", None), getattr(event, "after", None), getattr(event, "object_type", "")
    )


@register.filter
def label_chain(values: object, key: str) -> str:
    """A path of codes as labels joined by arrows: ``页面浏览 → 加入购物车``."""
    items = values if isinstance(values, list | tuple) else [values]
    return " → ".join(words.label(value, key) for value in items)


@register.filter
def zh_or(english: object, chinese: object) -> str:
    """``{{ metric.label|zh_or:metric.label_zh }}``: the Chinese text on a zh-hans page, else the English."""
    from django.utils.translation import get_language

    return str(chinese if (get_language() or "").lower().startswith("zh") and chinese else english)
