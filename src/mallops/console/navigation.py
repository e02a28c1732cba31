"""The console's menu. Each entry names the permission that shows it; roles decide who sees what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: object
    url_name: str
    permission: str | None = None
    # a count shown next to the label (e.g. unread notifications), computed for the signed-in user
    badge: Callable[[Any], int] | None = None


MENU: list[MenuItem] = [
    MenuItem("dashboard", _("Dashboard"), "console:dashboard"),
    MenuItem("merchants", _("Merchants"), "console:merchants", "merchant.view"),
    MenuItem("buyers", _("Buyers"), "console:buyers", "buyer.view"),
    MenuItem("store_staff", _("Store staff"), "console:store_staff", "store.staff.view"),
    MenuItem("audit", _("Audit log"), "console:audit", "audit.view"),
    MenuItem("locks", _("Locked sign-ins"), "console:locks", "staff.unlock"),
    MenuItem("admin", _("Administration"), "admin:index", "staff.manage"),
]


def register(item: MenuItem) -> None:
    if all(existing.key != item.key for existing in MENU):
        MENU.append(item)
