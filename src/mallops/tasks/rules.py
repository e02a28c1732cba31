"""Who works on a team's tasks: a permission to manage the team's board (open, assign, reschedule,
cancel) and one to be a member (be assigned, comment, start and close one's own tasks)."""

from __future__ import annotations

from typing import Any

from mallops.tasks.models import Team

# team → (manage permission, member permission); the matrix in accounts.roles decides who holds them
TEAM_PERMISSIONS: dict[str, tuple[str, str]] = {
    Team.CUSTOMER_SERVICE: ("ticket.supervise", "ticket.handle"),
    Team.USER_OPS: ("user_ops.manage", "user_ops.manage"),
    Team.PRODUCT_OPS: ("promotion.manage", "promotion.manage"),
    Team.CONTENT_OPS: ("content.manage", "content.manage"),
    Team.DATA_OPS: ("analytics.manage", "analytics.manage"),
    Team.TECH_OPS: ("system.operate", "system.operate"),
    Team.COMPLIANCE: ("compliance.manage", "compliance.inspect"),
    Team.RISK: ("risk.manage", "risk.decide"),
}


def _is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "kind", "") == "staff")


def can_manage(user: Any, team: str) -> bool:
    return _is_staff(user) and user.has_perm(TEAM_PERMISSIONS[team][0])


def is_member(user: Any, team: str) -> bool:
    return _is_staff(user) and (
        user.has_perm(TEAM_PERMISSIONS[team][1]) or user.has_perm(TEAM_PERMISSIONS[team][0])
    )
