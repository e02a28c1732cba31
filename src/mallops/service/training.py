"""Training and assessment records per agent and procedure version (R5.1.5, R8.2.1).

An agent is trained on a version when one of their records for it passed (score >= the procedure's
pass mark). Training is per version: publishing a new version leaves everybody untrained on it until
they are trained again, and automatic routing only picks agents trained on the current version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mallops.accounts.models import User
from mallops.accounts.selectors import user_permissions
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.service import procedures
from mallops.service.errors import ServiceCode
from mallops.service.models import AgentProfile, Procedure, ProcedureVersion, TrainingRecord

AGENT_PERMISSIONS = ("ticket.handle", "store.service.handle")


def trained_user_ids(version: ProcedureVersion) -> set[int]:
    return set(TrainingRecord.objects.filter(version=version, passed=True).values_list("user_id", flat=True))


@transaction.atomic
def training_record(
    *,
    actor: Actor,
    user_id: int,
    procedure_code: str,
    version_number: int | None = None,
    score: int,
    completed_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> TrainingRecord:
    """Record one training with its assessment (supervisor, ``ticket.supervise``).

    The version defaults to the published one; a draft can be trained on before it is published, a
    retired one cannot (409 ``version_retired``). ``passed`` is score >= the procedure's pass mark."""
    require_permission(actor, "ticket.supervise")
    at = now or timezone.now()
    errors: list[FieldError] = []
    agent = User.objects.filter(pk=user_id, is_active=True).first()
    if agent is None or not set(AGENT_PERMISSIONS) & user_permissions(agent):
        errors.append(FieldError(("body", "user_id"), "not an active customer-service agent", "not_agent"))
    if not isinstance(score, int) or not 0 <= score <= 100:
        errors.append(FieldError(("body", "score"), "a whole number from 0 to 100", "out_of_range"))
    completed = completed_at or at
    if timezone.is_naive(completed):
        completed = timezone.make_aware(completed)
    if completed > at:
        errors.append(FieldError(("body", "completed_at"), "must not be in the future", "in_future"))
    note = (note or "").strip()
    if len(note) > 300:
        errors.append(FieldError(("body", "note"), "at most 300 characters", "too_long"))
    if errors or agent is None:
        raise validation_error(errors)
    procedure = procedures.procedure_get(procedure_code)
    if version_number is None:
        version = procedures.current_version(procedure)
        if version is None:
            raise conflict(
                f"{procedure.name} has no published version.", code=ServiceCode.NO_PUBLISHED_VERSION
            )
    else:
        found = procedure.versions.filter(number=version_number).first()
        if found is None:
            raise not_found("procedure version")
        version = found
    if version.state == ProcedureVersion.State.RETIRED:
        raise conflict(
            f"Version {version.number} is retired; train on the current one.",
            code=ServiceCode.VERSION_RETIRED,
        )
    record = TrainingRecord.objects.create(
        user=agent,
        version=version,
        completed_at=completed,
        score=score,
        passed=score >= procedure.pass_mark,
        recorded_by_id=actor.user_id,
        recorded_at=at,
        note=note,
    )
    audit_record(
        actor=actor,
        action="service.training_recorded",
        obj=record,
        after={
            "user": user_id,
            "procedure": procedure.code,
            "version": version.number,
            "score": score,
            "passed": record.passed,
            "completed_at": completed.isoformat(),
        },
    )
    return record


@dataclass(frozen=True)
class Cell:
    """One agent x procedure: trained on the current version, failed it, trained on an older one only
    ("retrain"), or never."""

    status: str  # trained | failed | retrain | untrained | not_in_force
    score: int | None
    completed_at: datetime | None


@dataclass(frozen=True)
class MatrixRow:
    user_id: int
    username: str
    store: str
    cells: list[Cell]


@dataclass(frozen=True)
class Matrix:
    procedures: list[tuple[Procedure, ProcedureVersion | None]]
    rows: list[MatrixRow]


def training_matrix() -> Matrix:
    """Agents with a routing profile x procedures, against each procedure's current version."""
    columns = [(p, procedures.current_version(p)) for p in Procedure.objects.select_related("owner")]
    records: dict[tuple[int, int], list[TrainingRecord]] = {}
    for record in TrainingRecord.objects.select_related("version").order_by("-completed_at", "-pk"):
        records.setdefault((record.user_id, record.version.procedure_id), []).append(record)
    rows = []
    for profile in AgentProfile.objects.select_related("user", "merchant").order_by(
        "merchant_id", "user__username"
    ):
        cells = []
        for procedure, current in columns:
            mine = records.get((profile.user_id, procedure.pk), [])
            cells.append(_cell(mine, current))
        rows.append(
            MatrixRow(
                user_id=profile.user_id,
                username=profile.user.username,
                store="" if profile.merchant is None else profile.merchant.name,
                cells=cells,
            )
        )
    return Matrix(procedures=columns, rows=rows)


def _cell(mine: list[TrainingRecord], current: ProcedureVersion | None) -> Cell:
    if current is None:
        return Cell("not_in_force", None, None)
    on_current = [r for r in mine if r.version_id == current.pk]
    passed = [r for r in on_current if r.passed]
    if passed:
        return Cell("trained", passed[0].score, passed[0].completed_at)
    if on_current:
        return Cell("failed", on_current[0].score, on_current[0].completed_at)
    older = [r for r in mine if r.passed]
    if older:
        return Cell("retrain", older[0].score, older[0].completed_at)
    return Cell("untrained", None, None)


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    store: str
    is_trained: bool | None  # None: the ticket follows no procedure in force


def assignable_agents(ticket: Any) -> list[Candidate]:
    """Agents a supervisor may pick for ``ticket`` (platform agents and its store's), trained first."""
    version = ticket.procedure_version
    current = None if version is None else procedures.current_version(version.procedure)
    trained = set() if current is None else trained_user_ids(current)
    profiles = AgentProfile.objects.filter(user__is_active=True).select_related("user", "merchant")
    if ticket.merchant_id is None:
        profiles = profiles.filter(merchant__isnull=True)
    else:
        profiles = profiles.filter(Q(merchant__isnull=True) | Q(merchant_id=ticket.merchant_id))
    rows = [
        Candidate(
            user_id=p.user_id,
            username=p.user.username,
            store="" if p.merchant is None else p.merchant.name,
            is_trained=None if current is None else p.user_id in trained,
        )
        for p in profiles
    ]
    return sorted(rows, key=lambda c: (c.is_trained is False, c.store != "", c.username))
