"""API of customer-service configuration and complaint handling (issue 15; R5.2.3, R5.2.4, R5.4.1, R5.4.2).

Routes are added to the service router (imported at the end of ``mallops.service.api``). Supervisors
(``ticket.supervise``) manage agent profiles, the reply library and escalation targets; agents give a
complaint's reason and proposed solution and record regulator reports.
"""

# No ``from __future__ import annotations``: see mallops.service.api (``@paginate`` and string annotations).

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Status

from mallops.accounts.services import require_permission
from mallops.core.inputs import Id, MultilineText, Schema, SmallInt, Text
from mallops.service import complaints, configuration, supervision
from mallops.service.api import _staff, _staff_only, router
from mallops.service.models import AgentProfile, EscalationTarget, RegulatorReport, ReplyTemplate, Ticket
from mallops.service.schemas import RegulatorReportOut, SlaPolicyOut, TicketOut


class AgentProfileIn(Schema):
    user_id: Id
    skills: list[str] = []
    merchant_id: Id | None = None
    max_open: SmallInt = 30
    is_available: bool = True


class AgentProfilePatch(Schema):
    skills: list[str] | None = None
    merchant_id: Id | None = None
    max_open: SmallInt | None = None
    is_available: bool | None = None


class AgentProfileOut(Schema):
    id: int
    user_id: int
    username: str
    merchant_id: int | None
    skills: list[str]
    max_open: int
    is_available: bool

    @staticmethod
    def resolve_username(obj: AgentProfile) -> str:
        return obj.user.username


class ReplyTemplateIn(Schema):
    title: Text
    body: MultilineText
    category: str = ""
    keywords: Text = ""


class ReplyFindingOut(Schema):
    field: str
    rule: str
    start: int
    end: int
    text: str
    basis: str
    severity: str


class ReplyTemplateOut(Schema):
    id: int
    title: str
    category: str
    keywords: str
    body: str
    variables: list[str]
    is_active: bool
    retired_at: datetime | None
    findings: list[ReplyFindingOut]

    @staticmethod
    def resolve_variables(obj: ReplyTemplate) -> list[str]:
        return configuration.template_variables(obj.body)


class EscalationTargetIn(Schema):
    role: str


class EscalationTargetOut(Schema):
    severity: str
    role: str
    updated_at: datetime


class ExplanationIn(Schema):
    reason: MultilineText = ""
    proposed_solution: MultilineText = ""


class RegulatorReportIn(Schema):
    regulator: Text = ""
    reported_at: datetime
    reference: Text = ""
    next_followup_on: date | None = None


class RegulatorFollowUpIn(Schema):
    note: MultilineText = ""
    next_followup_on: date | None = None
    closed: bool = False


# --- agent profiles ------------------------------------------------------------------------------------


@router.get(
    "/service/agent-profiles", response=list[AgentProfileOut], summary="Agent profiles (routing data)"
)
def agent_profile_list(request: HttpRequest) -> list[Any]:
    require_permission(_staff_only(request), "ticket.supervise")
    return list(AgentProfile.objects.select_related("user").order_by("user__username"))


@router.post(
    "/service/agent-profiles", response={201: AgentProfileOut}, summary="Give a CS user a routing profile"
)
def agent_profile_create(request: HttpRequest, payload: AgentProfileIn) -> Status[Any]:
    profile = configuration.agent_profile_create(actor=_staff(request), **payload.dict())
    return Status(201, profile)


@router.patch(
    "/service/agent-profiles/{profile_id}",
    response=AgentProfileOut,
    summary="Change skills, store, capacity or availability",
)
def agent_profile_update(request: HttpRequest, profile_id: int, payload: AgentProfilePatch) -> Any:
    return configuration.agent_profile_update(
        actor=_staff(request),
        profile_id=profile_id,
        changes=payload.dict(exclude_unset=True),
    )


# --- reply library -------------------------------------------------------------------------------------


@router.get("/service/reply-templates", response=list[ReplyTemplateOut], summary="The reply library")
def reply_template_list(request: HttpRequest, include_retired: bool = False) -> list[Any]:
    require_permission(_staff_only(request), "ticket.handle")
    rows = ReplyTemplate.objects.order_by("title", "pk")
    return list(rows if include_retired else rows.filter(is_active=True))


@router.post(
    "/service/reply-templates",
    response={201: ReplyTemplateOut},
    summary="Add a reply (compliance-checked before it goes live)",
)
def reply_template_create(request: HttpRequest, payload: ReplyTemplateIn) -> Status[Any]:
    template = configuration.reply_template_create(actor=_staff(request), **payload.dict())
    return Status(201, template)


@router.put(
    "/service/reply-templates/{template_id}",
    response=ReplyTemplateOut,
    summary="Edit a reply (checked again)",
)
def reply_template_update(request: HttpRequest, template_id: int, payload: ReplyTemplateIn) -> Any:
    return configuration.reply_template_update(
        actor=_staff(request), template_id=template_id, **payload.dict()
    )


@router.post(
    "/service/reply-templates/{template_id}/retire", response=ReplyTemplateOut, summary="Retire a reply"
)
def reply_template_retire(request: HttpRequest, template_id: int) -> Any:
    return configuration.reply_template_retire(actor=_staff(request), template_id=template_id)


class SlaPolicyIn(Schema):
    label: Text
    target: str
    basis: str
    category: str = ""
    priority: str = ""
    channel: str = ""
    minutes: SmallInt = 0
    working_days: SmallInt = 0
    window: str = "09:00-18:00"
    warning_lead_minutes: SmallInt | None = None
    notify_customer: bool = False


@router.post(
    "/service/sla-policies",
    response={201: SlaPolicyOut},
    summary="A new SLA target for a category, priority and/or channel (supervisor)",
)
def sla_policy_create(request: HttpRequest, payload: SlaPolicyIn) -> Status[Any]:
    policy = supervision.sla_policy_create(actor=_staff(request), **payload.dict())
    return Status(201, policy)


# --- escalation targets and complaints -------------------------------------------------------------------


@router.get(
    "/service/escalation-targets",
    response=list[EscalationTargetOut],
    summary="Which management role receives serious complaints, per severity",
)
def escalation_target_list(request: HttpRequest) -> list[Any]:
    require_permission(_staff_only(request), "ticket.supervise")
    return list(EscalationTarget.objects.order_by("severity"))


@router.put(
    "/service/escalation-targets/{severity}",
    response=EscalationTargetOut,
    summary="Choose the management role for one complaint severity",
)
def escalation_target_set(request: HttpRequest, severity: str, payload: EscalationTargetIn) -> Any:
    return configuration.escalation_target_set(actor=_staff(request), severity=severity, role=payload.role)


@router.post(
    "/service/tickets/{ticket_id}/explanation",
    response=TicketOut,
    summary="A complaint not resolved in time: the reason and a proposed solution",
)
def complaint_explain(request: HttpRequest, ticket_id: int, payload: ExplanationIn) -> Ticket:
    return complaints.complaint_explain(actor=_staff(request), ticket_id=ticket_id, **payload.dict())


@router.post(
    "/service/tickets/{ticket_id}/regulator-reports",
    response={201: RegulatorReportOut},
    summary="Record that a serious complaint was reported to a regulator",
)
def regulator_report_create(request: HttpRequest, ticket_id: int, payload: RegulatorReportIn) -> Status[Any]:
    report = complaints.regulator_report_create(actor=_staff(request), ticket_id=ticket_id, **payload.dict())
    return Status(201, report)


@router.post(
    "/service/regulator-reports/{report_id}/followups",
    response={201: RegulatorReportOut},
    summary="Follow up a regulator report (closed: the regulator closed the matter)",
)
def regulator_followup(request: HttpRequest, report_id: int, payload: RegulatorFollowUpIn) -> Status[Any]:
    step = complaints.regulator_followup(actor=_staff(request), report_id=report_id, **payload.dict())
    return Status(201, RegulatorReport.objects.get(pk=step.report_id))
