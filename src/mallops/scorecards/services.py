"""Scorecard writes: a manager edits a KPI's target and bands; an incentive run is computed for a role and
period (draft, recomputable), approved by a second manager who is not one of its subjects, then locked
(R8.3.1). Each write is one ``audited`` transaction with an audit event.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.scorecards import access
from mallops.scorecards.catalogue import BY_CODE, ROLES, Scope, kpis_of
from mallops.scorecards.engine import PeriodKind, incentive_lines, period_of
from mallops.scorecards.errors import ScorecardsCode
from mallops.scorecards.kpis import RuleSpec, role_values, rule_inputs, rules_for
from mallops.scorecards.models import IncentiveResult, IncentiveRun, KpiRule, RunStatus

MAX_BANDS = 5


def _forbidden(code: str, detail: str) -> DomainError:
    return DomainError(detail=detail, code=code, status=403, title="Forbidden")


def _need_manager(actor: Actor) -> None:
    if not access.can_manage(actor):
        raise _forbidden(
            "scorecard_forbidden", gettext_noop("only managers may change incentive rules and runs")
        )


def kpi_rule_set(
    *, actor: Actor, kpi: str, target: float, bands: list[tuple[float, int]], now: datetime | None = None
) -> KpiRule:
    """Set the target and bands (``(threshold, points)``, 1 to 5, distinct thresholds, points >= 0) of
    ``kpi``. 403 ``scorecard_forbidden`` for a non-manager; 422 on an unknown KPI or bad bands."""
    _need_manager(actor)
    errors = []
    if kpi not in BY_CODE:
        errors.append(FieldError(("path", "kpi"), gettext_noop("unknown KPI")))
    if not 1 <= len(bands) <= MAX_BANDS:
        errors.append(FieldError(("body", "bands"), gettext_noop("give 1 to 5 bands")))
    thresholds = [float(t) for t, _ in bands]
    if len(set(thresholds)) != len(thresholds):
        errors.append(FieldError(("body", "bands"), gettext_noop("thresholds must differ")))
    for index, (threshold, points) in enumerate(bands):
        if points < 0:
            errors.append(
                FieldError(("body", "bands", index, "points"), gettext_noop("must not be negative"))
            )
        if threshold < 0:
            errors.append(
                FieldError(("body", "bands", index, "threshold"), gettext_noop("must not be negative"))
            )
    if target < 0:
        errors.append(FieldError(("body", "target"), gettext_noop("must not be negative")))
    if errors:
        raise validation_error(errors)
    now = now or timezone.now()
    stored = sorted(
        ({"threshold": float(t), "points": int(p)} for t, p in bands), key=lambda b: b["threshold"]
    )
    with audited():
        rule = KpiRule.objects.select_for_update().filter(kpi=kpi).first()
        before = None if rule is None else {"target": rule.target, "bands": rule.bands}
        if rule is None:
            rule = KpiRule(kpi=kpi)
        rule.target = float(target)
        rule.bands = stored
        rule.updated_by_id = actor.user_id
        rule.updated_at = now
        rule.save()
        audit_record(
            actor=actor,
            action="scorecard.rule_set",
            obj=rule,
            before=before,
            after={"target": rule.target, "bands": rule.bands},
        )
    return rule


def _rules_snapshot(rules: dict[str, RuleSpec]) -> dict[str, Any]:
    return {
        code: {"target": spec.target, "bands": [asdict(b) for b in spec.bands]}
        for code, spec in rules.items()
    }


def incentive_run_compute(
    *, actor: Actor, role: str, period_kind: str, day: date, now: datetime | None = None
) -> IncentiveRun:
    """Compute (or recompute, while a draft) the incentive run of ``role`` for the period containing
    ``day``: each member's points are the sum over the role's KPIs of the best band reached; a team KPI
    pays its band to every member. 409 ``incentive_run_closed`` once approved or locked."""
    _need_manager(actor)
    errors = []
    if role not in ROLES:
        errors.append(FieldError(("body", "role"), gettext_noop("unknown role")))
    if period_kind not in PeriodKind.__members__.values():
        errors.append(FieldError(("body", "period_kind"), gettext_noop("week or month")))
    if errors:
        raise validation_error(errors)
    period = period_of(period_kind, day)
    now = now or timezone.now()
    with audited():
        run = (
            IncentiveRun.objects.select_for_update()
            .filter(role=role, period_kind=period.kind, period_start=period.start)
            .first()
        )
        if run is not None and run.status != RunStatus.DRAFT:
            raise conflict(
                gettext_noop("this period's run is already approved"),
                code=ScorecardsCode.INCENTIVE_RUN_CLOSED,
            )
        rules = rules_for(role)
        values = role_values(role=role, period=period)
        team_kpis = {k.code for k in kpis_of(role) if k.scope is Scope.TEAM}
        if run is None:
            run = IncentiveRun(role=role, period_kind=period.kind, period_start=period.start)
        run.rules = _rules_snapshot(rules)
        run.team_values = dict(values.team)
        run.created_by_id = actor.user_id
        run.created_at = now
        run.save()
        run.results.all().delete()
        results = []
        for member in values.members:
            person_values = dict(values.people.get(member.person_id, {}))
            person_values.update({code: values.team.get(code) for code in team_kpis})
            lines = incentive_lines(person_values, rule_inputs(role, rules))
            results.append(
                IncentiveResult(
                    run=run,
                    person_id=member.person_id,
                    points=sum(line.points for line in lines),
                    lines=[asdict(line) for line in lines],
                )
            )
        IncentiveResult.objects.bulk_create(results)
        audit_record(
            actor=actor,
            action="scorecard.run_compute",
            obj=run,
            after={
                "role": role,
                "period": period.key,
                "people": len(results),
                "points": sum(r.points for r in results),
            },
        )
    return run


def _locked_run(run_id: int) -> IncentiveRun:
    run = IncentiveRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise not_found("incentive run")
    return run


def incentive_run_approve(*, actor: Actor, run_id: int, now: datetime | None = None) -> IncentiveRun:
    """Approve a draft run. The approver is a manager who did not compute it and is not one of its
    subjects: 403 ``incentive_self_approval`` otherwise; 409 ``incentive_run_not_draft``."""
    _need_manager(actor)
    now = now or timezone.now()
    with audited():
        run = _locked_run(run_id)
        if run.status != RunStatus.DRAFT:
            raise conflict(
                gettext_noop("only a draft run can be approved"), code=ScorecardsCode.INCENTIVE_RUN_NOT_DRAFT
            )
        if run.created_by_id == actor.user_id or run.results.filter(person_id=actor.user_id).exists():
            raise _forbidden(
                "incentive_self_approval",
                gettext_noop(
                    "a run is approved by a second manager who neither computed it nor is one of its subjects"
                ),
            )
        run.status = RunStatus.APPROVED
        run.approved_by_id = actor.user_id
        run.approved_at = now
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action="scorecard.run_approve",
            obj=run,
            before={"status": RunStatus.DRAFT},
            after={"status": run.status},
        )
    return run


def incentive_run_lock(*, actor: Actor, run_id: int, now: datetime | None = None) -> IncentiveRun:
    """Lock an approved run (final: never recomputed or changed). 409 ``incentive_run_not_approved``."""
    _need_manager(actor)
    now = now or timezone.now()
    with audited():
        run = _locked_run(run_id)
        if run.status != RunStatus.APPROVED:
            raise conflict(
                gettext_noop("only an approved run can be locked"),
                code=ScorecardsCode.INCENTIVE_RUN_NOT_APPROVED,
            )
        run.status = RunStatus.LOCKED
        run.locked_by_id = actor.user_id
        run.locked_at = now
        run.save(update_fields=["status", "locked_by", "locked_at"])
        audit_record(
            actor=actor,
            action="scorecard.run_lock",
            obj=run,
            before={"status": RunStatus.APPROVED},
            after={"status": run.status},
        )
    return run
