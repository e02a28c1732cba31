"""Risk control reads: the analysts' queue and one decision (``risk.view``: analysts, compliance auditors)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.services import require_permission
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.risk.models import ReviewStatus, RiskDecision, RiskProfileVersion
from mallops.risk.services import VIEW_PERMISSION


def decision_queue(actor: Any, *, status: str = "open", rule: str = "") -> QuerySet[RiskDecision]:
    """Decisions by status (``open`` first-in first-out; others newest first), optionally by rule."""
    require_permission(actor, VIEW_PERMISSION)
    if status and status not in ReviewStatus.values:
        raise validation_error(
            [FieldError(("query", "status"), "open, confirmed or cleared", "invalid_choice")]
        )
    qs = RiskDecision.objects.select_related("analyst", "event")
    if status:
        qs = qs.filter(status=status)
    if rule:
        # rules is a short JSON list; a LIKE on the quoted name works on SQLite and PostgreSQL alike
        qs = qs.filter(rules__icontains=f'"{rule}"')
    return (
        qs.order_by("created_at", "pk") if status == ReviewStatus.OPEN else qs.order_by("-created_at", "-pk")
    )


def decision_get(actor: Any, decision_id: int) -> RiskDecision:
    require_permission(actor, VIEW_PERMISSION)
    row = RiskDecision.objects.select_related("analyst", "event").filter(pk=decision_id).first()
    if row is None:
        raise not_found("risk decision")
    return row


def profile_versions(actor: Any) -> QuerySet[RiskProfileVersion]:
    require_permission(actor, VIEW_PERMISSION)
    return RiskProfileVersion.objects.select_related("created_by").order_by("-version")
