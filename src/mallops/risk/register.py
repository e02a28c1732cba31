"""The risk register (R7.2.1): create, change and delete entries (``risk.manage``), read them
(``risk.view``: analysts, compliance auditors). Every write is audited with the before and after values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from mallops.accounts.roles import ROLES
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.risk.errors import RiskCode
from mallops.risk.metrics import METRICS
from mallops.risk.models import RegisteredRisk, RegisterStatus, RiskCategory
from mallops.risk.services import MANAGE_PERMISSION, VIEW_PERMISSION

MAX_ITEMS = 20


@dataclass(frozen=True)
class RiskInput:
    """What a register entry holds (``controls``: short sentences; ``metrics``: metric codes)."""

    code: str
    title: str
    category: str
    likelihood: int
    impact: int
    owner_role: str
    description: str = ""
    owner_id: int | None = None
    controls: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    status: str = RegisterStatus.ACTIVE


def _snapshot(row: RegisteredRisk) -> dict[str, Any]:
    return {
        "code": row.code,
        "title": row.title,
        "category": row.category,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "level": row.level,
        "owner_role": row.owner_role,
        "owner": row.owner_id,
        "controls": row.controls,
        "metrics": row.metrics,
        "status": row.status,
    }


def _check(data: RiskInput) -> list[FieldError]:
    errors: list[FieldError] = []

    def bad(name: str, message: str, code: str = "invalid") -> None:
        errors.append(FieldError(("body", name), message, code))

    if not data.code.strip() or len(data.code) > 40:
        bad("code", "1 to 40 characters")
    if not data.title.strip() or len(data.title) > 120:
        bad("title", "1 to 120 characters")
    if data.category not in RiskCategory.values:
        bad("category", f"one of {', '.join(RiskCategory.values)}", "invalid_choice")
    for name in ("likelihood", "impact"):
        if not 1 <= getattr(data, name) <= 5:
            bad(name, "1 to 5", "out_of_range")
    if data.owner_role not in ROLES:
        bad("owner_role", "a role code", "invalid_choice")
    if data.status not in RegisterStatus.values:
        bad("status", "active or retired", "invalid_choice")
    if len(data.controls) > MAX_ITEMS or any(not c.strip() or len(c) > 300 for c in data.controls):
        bad("controls", f"at most {MAX_ITEMS} sentences of 1 to 300 characters")
    unknown = [m for m in data.metrics if m not in METRICS]
    if unknown or len(data.metrics) > MAX_ITEMS:
        bad("metrics", f"metric codes: {', '.join(METRICS)}", "invalid_choice")
    return errors


def _apply(row: RegisteredRisk, data: RiskInput) -> None:
    row.code = data.code.strip()
    row.title = data.title.strip()
    row.category = data.category
    row.description = data.description.strip()
    row.likelihood = data.likelihood
    row.impact = data.impact
    row.owner_role = data.owner_role
    row.owner_id = data.owner_id
    row.controls = [c.strip() for c in data.controls]
    row.metrics = list(dict.fromkeys(data.metrics))
    row.status = data.status


@transaction.atomic
def risk_create(*, actor: Actor, data: RiskInput) -> RegisteredRisk:
    """Add an entry; 422 with field paths on bad input, 409 ``risk_code_taken`` for a used code."""
    require_permission(actor, MANAGE_PERMISSION)
    errors = _check(data)
    if errors:
        raise validation_error(errors)
    if RegisteredRisk.objects.filter(code=data.code.strip()).exists():
        raise conflict("This code is already in the register.", code=RiskCode.RISK_CODE_TAKEN)
    row = RegisteredRisk()
    _apply(row, data)
    row.save()
    audit_record(actor=actor, action="risk.register_create", obj=row, after=_snapshot(row))
    return row


@transaction.atomic
def risk_update(*, actor: Actor, risk_id: int, data: RiskInput) -> RegisteredRisk:
    """Replace an entry's fields (the row is locked); same errors as :func:`risk_create`."""
    require_permission(actor, MANAGE_PERMISSION)
    row = RegisteredRisk.objects.select_for_update().filter(pk=risk_id).first()
    if row is None:
        raise not_found("risk")
    errors = _check(data)
    if errors:
        raise validation_error(errors)
    if RegisteredRisk.objects.filter(code=data.code.strip()).exclude(pk=row.pk).exists():
        raise conflict("This code is already in the register.", code=RiskCode.RISK_CODE_TAKEN)
    before = _snapshot(row)
    _apply(row, data)
    row.save()
    audit_record(
        actor=actor,
        action="risk.register_update",
        obj=row,
        before=before,
        after=_snapshot(row),
    )
    return row


@transaction.atomic
def risk_delete(*, actor: Actor, risk_id: int) -> None:
    """Remove an entry (prefer ``status=retired`` to keep its history visible); audited with its values."""
    require_permission(actor, MANAGE_PERMISSION)
    row = RegisteredRisk.objects.select_for_update().filter(pk=risk_id).first()
    if row is None:
        raise not_found("risk")
    before = _snapshot(row)
    audit_record(actor=actor, action="risk.register_delete", obj=row, before=before)
    row.delete()


def risk_list(actor: Actor, *, category: str = "", status: str = "") -> QuerySet[RegisteredRisk]:
    """Entries, most severe first (likelihood × impact), then by code."""
    require_permission(actor, VIEW_PERMISSION)
    from django.db.models import F

    qs = RegisteredRisk.objects.select_related("owner").annotate(score_value=F("likelihood") * F("impact"))
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-score_value", "code")


def risk_get(actor: Actor, risk_id: int) -> RegisteredRisk:
    require_permission(actor, VIEW_PERMISSION)
    row = RegisteredRisk.objects.select_related("owner").filter(pk=risk_id).first()
    if row is None:
        raise not_found("risk")
    return row
