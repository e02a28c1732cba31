from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

import mallops
from mallops.console.navigation import GROUPS, MENU


def _active_key(path: str, items: list[dict[str, Any]]) -> str:
    """The menu entry a path belongs to: the exact URL, else the longest URL that prefixes it ("/" only exact)."""
    best, best_len = "", 0
    for item in items:
        url = item["url"]
        if path == url:
            return str(item["key"])
        if url != "/" and path.startswith(url) and len(url) > best_len:
            best, best_len = str(item["key"]), len(url)
    return best


def console(request: HttpRequest) -> dict[str, Any]:
    """The menu the signed-in user may see, grouped by area, the active entry and the breadcrumb trail.

    A view may name its entry with ``"active": "<menu key>"`` in its context; the templates prefer it over
    the one found from the path here.
    """
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    # the buyer storefront has its own frame: building the staff menu there cost four queries a page
    in_console = not request.path.startswith("/shop/")
    if in_console and user is not None and user.is_authenticated:
        for item in MENU:
            if item.permission and not user.has_perm(item.permission):
                continue
            if item.visible is not None and not item.visible(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            badge = item.badge(user) if item.badge is not None else 0
            label = f"{item.label} ({badge})" if badge else item.label
            items.append(
                {
                    "key": item.key,
                    "label": label,
                    "name": item.label,
                    "url": url,
                    "badge": badge,
                    "group": item.group,
                }
            )
    top = [item for item in items if not item["group"]]
    groups = []
    for key, label in GROUPS:
        members = [item for item in items if item["group"] == key]
        if members:
            groups.append({"key": key, "label": label, "items": members})
    active = _active_key(request.path, items)
    crumbs: list[dict[str, Any]] = []
    found = next((item for item in items if item["key"] == active), None)
    if found is not None and found["key"] != "dashboard":
        group_label = next((label for key, label in GROUPS if key == found["group"]), None)
        if group_label is not None:
            crumbs.append({"label": group_label, "url": ""})
        crumbs.append({"label": found["name"], "url": found["url"] if found["url"] != request.path else ""})
    return {
        "console_menu": items,
        "console_menu_top": top,
        "console_menu_groups": groups,
        "console_active": active,
        "console_crumbs": crumbs,
        "mallops_version": mallops.__version__,
    }
