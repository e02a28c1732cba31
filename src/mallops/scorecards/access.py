"""Who sees and runs scorecards: managers (``staff.manage``) see every team, edit incentive rules, compute,
approve and lock runs; a CS supervisor (``ticket.supervise``) sees the CS agents' team; everyone measured
sees their own scorecard."""

from __future__ import annotations

from typing import Any

from mallops.accounts.selectors import user_role_codes
from mallops.scorecards.catalogue import ROLES

MANAGE_PERMISSION = "staff.manage"
TEAM_VIEWERS: dict[str, str] = {"cs_agent": "ticket.supervise"}


def _is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "kind", "") == "staff")


def can_manage(user: Any) -> bool:
    return _is_staff(user) and user.has_perm(MANAGE_PERMISSION)


def can_view_team(user: Any, role: str) -> bool:
    if role not in ROLES or not _is_staff(user):
        return False
    viewer = TEAM_VIEWERS.get(role)
    return can_manage(user) or (viewer is not None and user.has_perm(viewer))


def can_view_person(user: Any, role: str, person_id: int) -> bool:
    return can_view_team(user, role) or (
        _is_staff(user) and user.pk == person_id and role in user_role_codes(user)
    )


def roles_visible(user: Any) -> list[str]:
    """The teams whose scorecard ``user`` may open, plus the roles ``user`` is measured in (own card)."""
    own = user_role_codes(user) if _is_staff(user) else frozenset()
    return [role for role in ROLES if can_view_team(user, role) or role in own]
