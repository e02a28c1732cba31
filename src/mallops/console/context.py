from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

import mallops
from mallops.console.navigation import MENU


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for item in MENU:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            badge = item.badge(user) if item.badge is not None else 0
            label = f"{item.label} ({badge})" if badge else item.label
            items.append({"key": item.key, "label": label, "url": url, "badge": badge})
    return {"console_menu": items, "mallops_version": mallops.__version__}
