"""The console's menu. Each entry names the permission that shows it; roles decide who sees what.

Entries sit in one of the groups below (the areas a Chinese marketplace operations team thinks in); an
entry without a group (the dashboard, notifications) is shown above the groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# (key, label) in menu order
GROUPS: tuple[tuple[str, Any], ...] = (
    ("goods", _("Goods")),
    ("trade", _("Trade")),
    ("marketing", _("Marketing")),
    ("service", _("Service and after-sales")),
    ("data", _("Data")),
    ("risk", _("Risk and compliance")),
    ("system", _("System")),
)
GROUP_KEYS = frozenset(key for key, _label in GROUPS)


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: object
    url_name: str
    permission: str | None = None
    # a count shown next to the label (e.g. unread notifications), computed for the signed-in user
    badge: Callable[[Any], int] | None = None
    # one of GROUP_KEYS; "" puts the entry above the groups (dashboard, notifications)
    group: str = ""
    # an extra test of the signed-in user beyond the permission (e.g. "belongs to a team")
    visible: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        if self.group and self.group not in GROUP_KEYS:
            raise ValueError(f"unknown menu group {self.group!r} for {self.key!r}")


MENU: list[MenuItem] = [
    MenuItem("dashboard", _("Dashboard"), "console:dashboard"),
    MenuItem("merchants", _("Merchants"), "console:merchants", "merchant.view", group="system"),
    MenuItem("buyers", _("Buyers"), "console:buyers", "buyer.view", group="system"),
    MenuItem("staff", _("Staff accounts"), "console:staff", "staff.manage", group="system"),
    MenuItem("store_staff", _("Store staff"), "console:store_staff", "store.staff.view", group="system"),
    MenuItem("audit", _("Audit log"), "console:audit", "audit.view", group="risk"),
    MenuItem("locks", _("Locked sign-ins"), "console:locks", "staff.unlock", group="system"),
    MenuItem("admin", _("Administration"), "admin:index", "staff.manage", group="system"),
]


def register(item: MenuItem) -> None:
    if all(existing.key != item.key for existing in MENU):
        MENU.append(item)
