"""``{% inbox_unread as n %}``: the signed-in buyer's unread messages (the badge of 我的 → 消息)."""

from __future__ import annotations

from typing import Any

from django import template

from mallops.accounts.roles import Kind

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "kind", "") != Kind.BUYER:
        return 0
    from mallops.storefront.views_member import unread_count

    return unread_count(user)
