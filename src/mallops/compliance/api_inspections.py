"""Self-inspection API (staff, R7.1.2 / R7.3.2), mounted under /api/v1/compliance by ``compliance.api``.

Start a run (it runs in the background; poll its progress), read its report and findings, open
remediation tasks, accept a finding with a reason, sign the run off. Nothing here moves money or stock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.compliance import exports, selectors, services
from mallops.compliance.errors import ComplianceCode
from mallops.compliance.models import Inspection, InspectionFinding, InspectionStatus
from mallops.core.actors import Actor
from mallops.core.errors import conflict
from mallops.core.inputs import MultilineText, Schema

router = Router(tags=["compliance"], auth=api_auth)


class InspectionOut(Schema):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    rules_version: str
    total: int
    done: int
    summary: dict[str, Any]
    signed_by: str | None
    signed_at: datetime | None
    sign_note: str


class InspectionListOut(Schema):
    items: list[InspectionOut]


class InspectionFindingOut(Schema):
    id: int
    area: str
    object_id: str
    object_label: str
    field: str
    rule: str
    start: int
    end: int
    text: str
    severity: str
    article: str
    remediation: str
    task_id: int | None
    accepted_reason: str


class InspectionFindingListOut(Schema):
    items: list[InspectionFindingOut]


class InspectionTasksOut(Schema):
    opened: int


class FindingAcceptIn(Schema):
    reason: MultilineText = Field(min_length=1, max_length=2000)


class InspectionSignOffIn(Schema):
    note: MultilineText = Field(default="", max_length=2000)


def _out(row: Inspection) -> InspectionOut:
    return InspectionOut(
        id=row.pk,
        status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        rules_version=row.rules_version,
        total=row.total,
        done=row.done,
        summary=row.summary,
        signed_by=row.signed_by.username if row.signed_by_id and row.signed_by else None,
        signed_at=row.signed_at,
        sign_note=row.sign_note,
    )


def _findings(actor: Actor, rows: list[InspectionFinding]) -> InspectionFindingListOut:
    states = selectors.remediation(actor=actor, rows=rows)
    return InspectionFindingListOut(
        items=[
            InspectionFindingOut(
                id=row.pk,
                area=row.area,
                object_id=row.object_id,
                object_label=row.object_label,
                field=row.field,
                rule=row.rule,
                start=row.start,
                end=row.end,
                text=row.text,
                severity=row.severity,
                article=row.article,
                remediation=states[row.pk].state,
                task_id=row.task_id,
                accepted_reason=row.accepted_reason,
            )
            for row in rows
        ]
    )


@router.post("/inspections", response={202: InspectionOut}, summary="Start a self-inspection")
def inspection_start(request: HttpRequest) -> tuple[int, InspectionOut]:
    actor = request_actor(request)
    row = services.inspection_start(actor=actor)
    return 202, _out(row)


@router.get("/inspections", response=InspectionListOut)
def inspection_list(request: HttpRequest) -> InspectionListOut:
    actor = request_actor(request)
    return InspectionListOut(items=[_out(row) for row in selectors.inspections(actor=actor)[:100]])


@router.get("/inspections/{inspection_id}", response=InspectionOut)
def inspection_detail(request: HttpRequest, inspection_id: int) -> InspectionOut:
    actor = request_actor(request)
    return _out(selectors.inspection_get(actor=actor, inspection_id=inspection_id))


@router.get("/inspections/{inspection_id}/findings", response=InspectionFindingListOut)
def inspection_findings(request: HttpRequest, inspection_id: int) -> InspectionFindingListOut:
    actor = request_actor(request)
    row = selectors.inspection_get(actor=actor, inspection_id=inspection_id)
    return _findings(actor, list(selectors.findings(inspection=row)))


@router.get(
    "/inspections/{inspection_id}/report.pdf",
    response={200: None},
    summary="The report as a PDF",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def inspection_pdf(request: HttpRequest, inspection_id: int) -> HttpResponse:
    actor = request_actor(request)
    row = selectors.inspection_get(actor=actor, inspection_id=inspection_id)
    if row.status not in (InspectionStatus.DONE, InspectionStatus.SIGNED):
        raise conflict("The inspection has not finished.", code=ComplianceCode.INSPECTION_NOT_FINISHED)
    response = HttpResponse(exports.report_pdf(actor=actor, run=row), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="compliance-inspection-{row.pk}.pdf"'
    return response


@router.post("/inspections/{inspection_id}/tasks", response=InspectionTasksOut)
def inspection_tasks(request: HttpRequest, inspection_id: int) -> InspectionTasksOut:
    actor = request_actor(request)
    selectors.inspection_get(actor=actor, inspection_id=inspection_id)
    return InspectionTasksOut(opened=services.inspection_tasks_open(actor=actor, inspection_id=inspection_id))


@router.post("/inspections/{inspection_id}/sign-off", response=InspectionOut)
def inspection_sign_off(
    request: HttpRequest, inspection_id: int, payload: InspectionSignOffIn
) -> InspectionOut:
    actor = request_actor(request)
    selectors.inspection_get(actor=actor, inspection_id=inspection_id)
    services.inspection_sign_off(actor=actor, inspection_id=inspection_id, note=payload.note)
    return _out(selectors.inspection_get(actor=actor, inspection_id=inspection_id))


def _finding(actor: Actor, finding_id: int) -> InspectionFinding:
    return selectors.finding_get(actor=actor, finding_id=finding_id)


@router.post("/findings/{finding_id}/task", response=InspectionFindingListOut)
def finding_task(request: HttpRequest, finding_id: int) -> InspectionFindingListOut:
    actor = request_actor(request)
    _finding(actor, finding_id)
    row = services.finding_task_open(actor=actor, finding_id=finding_id)
    return _findings(actor, [row])


@router.post("/findings/{finding_id}/accept", response=InspectionFindingListOut)
def finding_accept(
    request: HttpRequest, finding_id: int, payload: FindingAcceptIn
) -> InspectionFindingListOut:
    actor = request_actor(request)
    _finding(actor, finding_id)
    row = services.finding_accept(actor=actor, finding_id=finding_id, reason=payload.reason)
    return _findings(actor, [row])
