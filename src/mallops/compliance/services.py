"""Compliance self-inspection writes (R7.1.2) and its audit (R7.3.2).

``inspection_start`` records a run and queues it; ``inspection_run`` (the worker's side, or called inline)
re-checks every live text with the rule packs in force, writing findings and the progress batch by batch,
then the counts and the trend against the previous finished run. Findings become remediation tasks of the
compliance team (``finding_task_open``, ``inspection_tasks_open``; one open task per problem, across runs)
or are accepted with a reason (``finding_accept``). ``inspection_sign_off`` lets a compliance auditor sign a
finished run off once every finding is remediated (its task closed) or accepted; a signed run is frozen.
Every state change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.compliance import labels
from mallops.compliance.errors import ComplianceCode
from mallops.compliance.models import Area, Inspection, InspectionFinding, InspectionStatus
from mallops.compliance.report import Hit, scan, summarize, trend
from mallops.core.actors import Actor, ActorKind
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error

INSPECT_PERMISSION = "compliance.inspect"
AUDIT_PERMISSION = "compliance.manage"  # held by the compliance auditor
SOURCE_TYPE = "compliance.finding"
TASK_TEAM = "compliance"
TASK_KIND = "improvement"
BATCH = 200
# a run still "running" after this long lost its worker; a new run may start
STALE_AFTER = timedelta(hours=1)


def _locked(inspection_id: int) -> Inspection:
    row = Inspection.objects.select_for_update().filter(pk=inspection_id).first()
    if row is None:
        raise not_found("inspection")
    return row


def _need_open_for_remediation(inspection: Inspection) -> None:
    if inspection.status == InspectionStatus.SIGNED:
        raise conflict("The inspection is signed off and frozen.", code=ComplianceCode.INSPECTION_SIGNED)
    if inspection.status != InspectionStatus.DONE:
        raise conflict("The inspection has not finished.", code=ComplianceCode.INSPECTION_NOT_FINISHED)


def _rules_version() -> str:
    from mallops.compliance.engine import api as engine_api

    packs = sorted(engine_api.default_engine().packs, key=lambda pack: pack.name)
    return ",".join(f"{pack.name}@{pack.version}" for pack in packs)


def inspection_start(*, actor: Actor, now: datetime | None = None, queue: bool = True) -> Inspection:
    """Record a run (status ``running``) and, after commit, queue it for the worker (``queue=False``: the
    caller runs it). 409 ``inspection_running`` while another run is in progress. ``SYSTEM`` is the
    schedule (``compliance.tasks.compliance_weekly_inspection``), which needs no permission."""
    if actor.kind != ActorKind.SYSTEM:
        require_permission(actor, INSPECT_PERMISSION)
    now = now or timezone.now()
    with audited():
        busy = Inspection.objects.select_for_update().filter(
            status=InspectionStatus.RUNNING, started_at__gt=now - STALE_AFTER
        )
        if busy.exists():
            raise conflict("An inspection is already running.", code=ComplianceCode.INSPECTION_RUNNING)
        inspection = Inspection.objects.create(
            started_by_id=actor.user_id, started_at=now, rules_version=_rules_version()
        )
        audit_record(
            actor=actor, action="compliance.inspection.start", obj=inspection, after={"status": "running"}
        )
        if queue:
            from mallops.compliance.tasks import compliance_run_inspection

            inspection_id = inspection.pk
            transaction.on_commit(lambda: compliance_run_inspection(inspection_id))
    return inspection


def _finding_row(inspection: Inspection, hit: Hit) -> InspectionFinding:
    return InspectionFinding(
        inspection=inspection,
        area=hit.area,
        object_id=hit.object_id,
        object_label=hit.label[:200],
        merchant_id=hit.merchant_id,
        field=hit.field[:120],
        rule=hit.rule,
        start=hit.start,
        end=hit.end,
        text=hit.text[:500],
        severity=hit.severity,
        article=hit.article[:200],
        fingerprint=hit.fingerprint,
    )


def inspection_run(*, inspection_id: int, now: datetime | None = None, batch: int = BATCH) -> Inspection:
    """The worker's side: check every live object, ``batch`` objects per transaction (the progress bar
    moves after each), then store the counts and the trend. A failure marks the run ``failed``."""
    from mallops.compliance.sources import live_inputs

    now = now or timezone.now()
    inspection = Inspection.objects.filter(pk=inspection_id, status=InspectionStatus.RUNNING).first()
    if inspection is None:
        raise not_found("running inspection")
    try:
        objects, problems = live_inputs(now=now)
        Inspection.objects.filter(pk=inspection_id).update(total=len(objects), done=0)
        # prices and data handling: found while reading, written first
        InspectionFinding.objects.bulk_create(
            [_finding_row(inspection, hit) for hit in problems], ignore_conflicts=True
        )
        hits: list[Hit] = list(problems)
        for offset in range(0, len(objects), batch):
            chunk = objects[offset : offset + batch]
            found = scan(chunk)
            with transaction.atomic():
                InspectionFinding.objects.bulk_create(
                    [_finding_row(inspection, hit) for hit in found], ignore_conflicts=True
                )
                Inspection.objects.filter(pk=inspection_id).update(done=offset + len(chunk))
            hits += found
        summary = summarize(hits, objects=len(objects), texts=sum(len(obj.texts) for obj in objects))
        previous = (
            Inspection.objects.filter(
                status__in=[InspectionStatus.DONE, InspectionStatus.SIGNED],
                started_at__lt=inspection.started_at,
            )
            .exclude(pk=inspection_id)
            .order_by("-started_at", "-pk")
            .first()
        )
        previous_keys = (
            set(previous.findings.values_list("fingerprint", flat=True)) if previous is not None else None
        )
        summary["trend"] = trend(
            summary,
            previous.summary if previous is not None else None,
            current_keys={hit.fingerprint for hit in hits},
            previous_keys=previous_keys,
        )
    except Exception as exc:
        Inspection.objects.filter(pk=inspection_id).update(
            status=InspectionStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        audit_record(
            actor=None, action="compliance.inspection.fail", obj=inspection, after={"error": str(exc)[:200]}
        )
        raise
    with audited():
        inspection = _locked(inspection_id)
        inspection.status = InspectionStatus.DONE
        inspection.finished_at = timezone.now()
        inspection.summary = summary
        inspection.previous = previous
        inspection.done = inspection.total = len(objects)
        inspection.save(update_fields=["status", "finished_at", "summary", "previous", "done", "total"])
        audit_record(
            actor=None,
            action="compliance.inspection.finish",
            obj=inspection,
            after={"status": "done", "findings": summary["findings"], "objects": summary["objects"]},
        )
    return inspection


def _task_title(finding: InspectionFinding) -> tuple[str, str]:
    with translation.override("zh-hans"):
        area = str(Area(finding.area).label)
        rule = str(labels.RULE.get(finding.rule, finding.rule))
        title = f"整改：{area}「{finding.object_label[:40]}」中的「{finding.text[:30]}」（{rule}）"
        detail = (
            f"合规自查第 {finding.inspection_id} 次发现：{area}「{finding.object_label}」的文字"
            f"「{finding.text}」（{rule}），依据：{finding.article or '—'}。"
            f"请修改后在任务中写明修改内容；下一次自查不再发现即为整改完成的证据。"
        )
    return title[:200], detail


def _open_task(
    *,
    actor: Actor,
    finding: InspectionFinding,
    due_at: datetime | None,
    assignee_id: int | None,
    now: datetime,
) -> bool:
    """Link ``finding`` to a remediation task: a new one, or the open one of the same problem (an earlier
    run, or the same words twice in one field). True when a task was opened."""
    from mallops.tasks.selectors import open_tasks_for_source
    from mallops.tasks.services import task_open_once

    if finding.task_id is not None or finding.accepted_at is not None:
        return False
    title, detail = _task_title(finding)
    task = task_open_once(
        actor=actor,
        team=TASK_TEAM,
        kind=TASK_KIND,
        title=title,
        detail=detail,
        source_type=SOURCE_TYPE,
        source_id=finding.fingerprint,
        assignee_id=assignee_id,
        due_at=due_at,
        now=now,
    )
    if task is None:
        existing = open_tasks_for_source(source_type=SOURCE_TYPE, source_id=finding.fingerprint).order_by(
            "pk"
        )
        linked = existing.first()
        assert linked is not None
        finding.task_id = linked.pk
    else:
        finding.task_id = task.pk
    finding.save(update_fields=["task_id"])
    audit_record(
        actor=actor,
        action="compliance.finding.task",
        obj=finding,
        after={"task": finding.task_id, "opened": task is not None},
    )
    return task is not None


def finding_task_open(
    *,
    actor: Actor,
    finding_id: int,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> InspectionFinding:
    """Open (or link) the remediation task of one finding; a finding with a task keeps it (idempotent)."""
    require_permission(actor, AUDIT_PERMISSION)
    now = now or timezone.now()
    with audited():
        finding = InspectionFinding.objects.select_for_update().filter(pk=finding_id).first()
        if finding is None:
            raise not_found("finding")
        _need_open_for_remediation(_locked(finding.inspection_id))
        if finding.accepted_at is not None:
            raise conflict(
                "The finding was accepted; it needs no task.", code=ComplianceCode.FINDING_ACCEPTED
            )
        _open_task(actor=actor, finding=finding, due_at=due_at, assignee_id=assignee_id, now=now)
    return finding


def inspection_tasks_open(
    *, actor: Actor, inspection_id: int, due_at: datetime | None = None, now: datetime | None = None
) -> int:
    """Open the remediation tasks of every finding of a run that has neither a task nor an acceptance;
    returns how many tasks were opened (findings of a problem that already has an open task are linked)."""
    require_permission(actor, AUDIT_PERMISSION)
    now = now or timezone.now()
    opened = 0
    with audited():
        inspection = _locked(inspection_id)
        _need_open_for_remediation(inspection)
        rows = (
            InspectionFinding.objects.select_for_update()
            .filter(inspection=inspection, task_id__isnull=True, accepted_at__isnull=True)
            .order_by("pk")
        )
        for finding in rows:
            opened += _open_task(actor=actor, finding=finding, due_at=due_at, assignee_id=None, now=now)
        audit_record(
            actor=actor, action="compliance.inspection.tasks", obj=inspection, after={"opened": opened}
        )
    return opened


def finding_accept(
    *, actor: Actor, finding_id: int, reason: str, now: datetime | None = None
) -> InspectionFinding:
    """The auditor accepts a finding with a written reason (e.g. a registered efficacy the engine cannot
    see); an accepted finding does not hold the sign-off up."""
    require_permission(actor, AUDIT_PERMISSION)
    if not reason.strip():
        raise validation_error([FieldError(("body", "reason"), "must not be empty")])
    now = now or timezone.now()
    with audited():
        finding = InspectionFinding.objects.select_for_update().filter(pk=finding_id).first()
        if finding is None:
            raise not_found("finding")
        _need_open_for_remediation(_locked(finding.inspection_id))
        if finding.accepted_at is not None:
            raise conflict("The finding is already accepted.", code=ComplianceCode.FINDING_ACCEPTED)
        finding.accepted_reason = reason.strip()
        finding.accepted_by_id = actor.user_id
        finding.accepted_at = now
        finding.save(update_fields=["accepted_reason", "accepted_by", "accepted_at"])
        audit_record(
            actor=actor,
            action="compliance.finding.accept",
            obj=finding,
            after={"reason": finding.accepted_reason},
        )
    return finding


def unremediated(*, actor: Actor, findings: Sequence[InspectionFinding]) -> list[InspectionFinding]:
    """Findings neither accepted nor linked to a closed remediation task."""
    from mallops.tasks.selectors import tasks_visible

    ids = {f.task_id for f in findings if f.task_id is not None and f.accepted_at is None}
    closed = set(
        tasks_visible(actor=actor)
        .filter(pk__in=ids)
        .exclude(status__in=["open", "in_progress"])
        .values_list("pk", flat=True)
    )
    return [f for f in findings if f.accepted_at is None and (f.task_id is None or f.task_id not in closed)]


def inspection_sign_off(
    *, actor: Actor, inspection_id: int, note: str = "", now: datetime | None = None
) -> Inspection:
    """A compliance auditor signs a finished run off: refused (409 ``inspection_not_remediated``, nothing
    changed) while a finding has no task, an open task, and no acceptance. The run is then frozen: no task
    is opened and no finding accepted on it any more."""
    require_permission(actor, AUDIT_PERMISSION)
    now = now or timezone.now()
    with audited():
        inspection = _locked(inspection_id)
        _need_open_for_remediation(inspection)
        findings = list(InspectionFinding.objects.filter(inspection=inspection).order_by("pk"))
        waiting = unremediated(actor=actor, findings=findings)
        if waiting:
            raise DomainError(
                detail=f"{len(waiting)} finding(s) are neither remediated nor accepted.",
                code=ComplianceCode.INSPECTION_NOT_REMEDIATED,
                status=409,
                title="Conflict",
                extra={"waiting": len(waiting)},
            )
        accepted = sum(1 for f in findings if f.accepted_at is not None)
        inspection.status = InspectionStatus.SIGNED
        inspection.signed_by_id = actor.user_id
        inspection.signed_at = now
        inspection.sign_note = note.strip()
        inspection.summary = {
            **inspection.summary,
            "remediation": {"closed": len(findings) - accepted, "accepted": accepted},
        }
        inspection.save(update_fields=["status", "signed_by", "signed_at", "sign_note", "summary"])
        audit_record(
            actor=actor,
            action="compliance.inspection.sign_off",
            obj=inspection,
            before={"status": "done"},
            after={"status": "signed", "closed": len(findings) - accepted, "accepted": accepted},
        )
    return inspection
