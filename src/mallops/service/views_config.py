"""Console pages that configure customer service on a fresh install (``ticket.supervise``):
agent profiles (routing), the reply library (suggestions), SLA policies and the management role that
receives serious complaints. The same services as the API do the writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.models import Merchant
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import label
from mallops.service import complaints, configuration, supervision
from mallops.service.models import (
    AgentProfile,
    Category,
    Channel,
    ComplaintSeverity,
    EscalationTarget,
    Priority,
    ReplyTemplate,
    SlaPolicy,
    Target,
)
from mallops.service.views import error_message
from mallops.workdays.engine import ClockBasis

SUPERVISE = "ticket.supervise"
CATEGORY_LABELS = dict(Category.choices)
BASIS_LABELS = {
    ClockBasis.CALENDAR_HOURS.value: gettext_lazy("Calendar time (around the clock)"),
    ClockBasis.BUSINESS_HOURS.value: gettext_lazy("Business hours on working days"),
    ClockBasis.WORKING_DAYS.value: gettext_lazy("Whole working days"),
}
TARGET_LABELS = {
    Target.FIRST_RESPONSE.value: gettext_lazy("First response"),
    Target.INITIAL_ANSWER.value: gettext_lazy("Initial answer (complex issue)"),
    Target.RESOLUTION.value: gettext_lazy("Resolution"),
    Target.FOLLOW_UP.value: gettext_lazy("Follow-up visit"),
}


def _need(request: HttpRequest, permission: str = SUPERVISE) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _message(problem: Any) -> str:
    """A service's field error in the reader's language."""
    if problem.code == "unknown_variable":
        return _("Unknown variable; a reply may use %(allowed)s.") % {
            "allowed": "、".join("{" + v + "}" for v in configuration.VARIABLES)
        }
    if problem.code == "compliance_blocked":
        return _("Breaks content rules: %(text)s") % {"text": problem.msg}
    if problem.code == "not_an_agent":
        return _("Needs the CS agent or CS supervisor role.")
    if problem.code == "wrong_store":
        return _("A store member works for their own store.")
    if problem.code == "duplicate":
        return _("This user already has a profile.")
    if problem.code == "required":
        return _("This field is required.")
    return _(problem.msg)


def _form_errors(form: forms.Form, error: DomainError) -> None:
    for problem in error.errors or []:
        name = str(problem.loc[-1]) if problem.loc else ""
        form.add_error(name if name in form.fields else None, _message(problem))
    if not error.errors:
        form.add_error(None, _(error.detail))


def _skills_text(skills: list[str]) -> str:
    return "、".join(str(CATEGORY_LABELS[s]) for s in skills if s in CATEGORY_LABELS) or "—"


# --- agent profiles ---------------------------------------------------------------------------------------


@login_required
def agent_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    table = DataTable(
        request,
        AgentProfile.objects.select_related("user", "merchant"),
        columns=[
            Column(
                "user__username",
                _("Agent"),
                sort="user__username",
                value=lambda p: p.user.username,
                link=lambda p: reverse("service:agent_edit", args=[p.pk]),
            ),
            Column(
                "merchant", _("Store scope"), value=lambda p: p.merchant.name if p.merchant else _("Platform")
            ),
            Column("skills", _("Skills"), value=lambda p: _skills_text(p.skills)),
            Column("max_open", _("Capacity (open tickets)"), kind="number", sort="max_open"),
            Column(
                "is_available",
                _("Availability"),
                kind="badge",
                value=lambda p: "active" if p.is_available else "inactive",
                display=lambda p: _("On duty") if p.is_available else _("Off duty"),
            ),
        ],
        search=["user__username", "merchant__name"],
        search_placeholder=_("Agent or store"),
        filters=[Filter("is_available", _("Availability"), [("1", _("On duty")), ("0", _("Off duty"))])],
        default_sort="user__username",
        export_name="agent-profiles",
        empty_title=_("No agent profiles yet: no ticket is routed automatically."),
        empty_hint=_("Give each CS agent a profile with skills, store and capacity."),
        empty_action_url=reverse("service:agent_new"),
        empty_action_label=_("New agent profile"),
        testid="agent-profiles",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "service/agents.html", {"active": "service_agents", "table": table})


class AgentProfileForm(forms.Form):
    user_id = forms.TypedChoiceField(label=gettext_lazy("CS user"), coerce=int, choices=())
    skills = forms.MultipleChoiceField(
        label=gettext_lazy("Skills (ticket categories)"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    merchant_id = forms.TypedChoiceField(
        label=gettext_lazy("Store scope"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=(),
        help_text=gettext_lazy("Platform agents take platform tickets and stores without their own agents."),
    )
    max_open = forms.IntegerField(
        label=gettext_lazy("Capacity (open tickets)"), min_value=1, max_value=configuration.MAX_OPEN_LIMIT
    )
    is_available = forms.BooleanField(label=gettext_lazy("On duty (receives tickets)"), required=False)

    def __init__(self, *args: Any, profile: AgentProfile | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if profile is None:
            self.fields["user_id"].choices = [  # type: ignore[attr-defined]
                ("", "—"),
                *((u.pk, u.username) for u in configuration.eligible_agents()),
            ]
        else:
            del self.fields["user_id"]
        self.fields["merchant_id"].choices = [  # type: ignore[attr-defined]
            ("", _("Platform")),
            *Merchant.objects.order_by("name").values_list("pk", "name"),
        ]


@login_required
def agent_edit(request: HttpRequest, profile_id: int | None = None) -> HttpResponse:
    _need(request)
    profile = None
    if profile_id is not None:
        profile = AgentProfile.objects.select_related("user").filter(pk=profile_id).first()
        if profile is None:
            raise Http404("agent profile")
    initial = (
        {
            "skills": profile.skills,
            "merchant_id": profile.merchant_id or "",
            "max_open": profile.max_open,
            "is_available": profile.is_available,
        }
        if profile
        else {"max_open": 30, "is_available": True}
    )
    form = AgentProfileForm(request.POST or None, initial=initial, profile=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if profile is None:
                configuration.agent_profile_create(
                    actor=request.user,
                    user_id=data["user_id"],
                    skills=list(data["skills"]),
                    merchant_id=data["merchant_id"],
                    max_open=data["max_open"],
                    is_available=data["is_available"],
                    request=request,
                )
            else:
                configuration.agent_profile_update(
                    actor=request.user,
                    profile_id=profile.pk,
                    changes={
                        "skills": list(data["skills"]),
                        "merchant_id": data["merchant_id"],
                        "max_open": data["max_open"],
                        "is_available": data["is_available"],
                    },
                    request=request,
                )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Agent profile saved."))
            return redirect("service:agents")
    return render(
        request, "service/agent_form.html", {"active": "service_agents", "form": form, "profile": profile}
    )


# --- reply library ----------------------------------------------------------------------------------------


@login_required
def reply_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    table = DataTable(
        request,
        ReplyTemplate.objects.all(),
        columns=[
            Column(
                "title",
                _("Title"),
                sort="title",
                link=lambda t: reverse("service:reply_edit", args=[t.pk]),
            ),
            Column(
                "category", _("Category"), value=lambda t: str(CATEGORY_LABELS.get(t.category, "")) or "—"
            ),
            Column("keywords", _("Keywords")),
            Column(
                "variables",
                _("Variables"),
                value=lambda t: (
                    "、".join("{" + v + "}" for v in configuration.template_variables(t.body)) or "—"
                ),
            ),
            Column("findings", _("Review notes"), kind="number", value=lambda t: len(t.findings)),
            Column("uses", _("Used"), kind="number", sort="uses"),
            Column(
                "is_active",
                _("State"),
                kind="badge",
                value=lambda t: "active" if t.is_active else "inactive",
                display=lambda t: _("Live") if t.is_active else _("Retired"),
            ),
            Column("updated_at", _("Updated"), kind="datetime", sort="updated_at"),
        ],
        search=["title", "keywords", "body"],
        search_placeholder=_("Title, keyword or text"),
        filters=[
            Filter("category", _("Category"), Category.choices),
            Filter("is_active", _("State"), [("1", _("Live")), ("0", _("Retired"))]),
        ],
        default_sort="title",
        export_name="reply-library",
        empty_title=_("The reply library is empty: agents get no suggested answers."),
        empty_hint=_("Add the answers your agents give most often."),
        empty_action_url=reverse("service:reply_new"),
        empty_action_label=_("New reply"),
        testid="reply-library",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "service/replies.html", {"active": "service_replies", "table": table})


class ReplyTemplateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *Category.choices], required=False
    )
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Words customers use, separated by spaces; they help matching."),
    )
    body = forms.CharField(
        label=gettext_lazy("Reply text"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Variables filled from the ticket: ")
        + "、".join("{" + v + "}" for v in configuration.VARIABLES),
    )


def _finding_rows(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    field_labels = {"title": _("Title"), "body": _("Reply text")}
    return [
        {
            "field": field_labels.get(f["field"], ""),
            "text": f["text"],
            "basis": f["basis"],
            "blocks": f["severity"] == "block",
        }
        for f in findings
    ]


@login_required
def reply_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    _need(request)
    template = None
    if template_id is not None:
        template = ReplyTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise Http404("reply template")
    initial = (
        {
            "title": template.title,
            "category": template.category,
            "keywords": template.keywords,
            "body": template.body,
        }
        if template
        else {}
    )
    form = ReplyTemplateForm(request.POST or None, initial=initial)
    findings = template.findings if template else []
    if request.method == "POST" and request.POST.get("op") == "retire" and template is not None:
        configuration.reply_template_retire(actor=request.user, template_id=template.pk, request=request)
        messages.success(request, _("Reply retired: it is no longer suggested."))
        return redirect("service:replies")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if template is None:
                saved = configuration.reply_template_create(actor=request.user, request=request, **data)
            else:
                saved = configuration.reply_template_update(
                    actor=request.user, template_id=template.pk, request=request, **data
                )
        except DomainError as error:
            findings = error.extra.get("findings", findings)
            _form_errors(form, error)
        else:
            if saved.findings:
                messages.warning(request, _("Reply saved and live; review the notes on its text."))
                return redirect("service:reply_edit", template_id=saved.pk)
            messages.success(request, _("Reply saved and live."))
            return redirect("service:replies")
    return render(
        request,
        "service/reply_form.html",
        {
            "active": "service_replies",
            "form": form,
            "template": template,
            "findings": _finding_rows(findings),
        },
    )


# --- SLA policies -----------------------------------------------------------------------------------------


def describe_policy(policy: SlaPolicy) -> str:
    """The policy's target in words: hours and minutes, or working days, and on which clock."""
    if policy.basis == ClockBasis.WORKING_DAYS:
        return _("%(n)d working days") % {"n": policy.working_days}
    hours, minutes = divmod(policy.minutes, 60)
    amount = (
        _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
        if hours and minutes
        else (_("%(h)d h") % {"h": hours} if hours else _("%(m)d min") % {"m": minutes})
    )
    if policy.basis == ClockBasis.BUSINESS_HOURS:
        return _("%(amount)s of business hours (%(window)s on working days)") % {
            "amount": amount,
            "window": policy.window,
        }
    return _("%(amount)s, calendar time") % {"amount": amount}


@login_required
def sla_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    table = DataTable(
        request,
        SlaPolicy.objects.all(),
        columns=[
            Column(
                "label",
                _("SLA policy"),
                sort="label",
                value=lambda p: _(p.label),
                link=lambda p: reverse("service:sla_edit", args=[p.code]),
            ),
            Column("target", _("Measures"), value=lambda p: TARGET_LABELS.get(p.target, "")),
            Column("category", _("Category"), value=lambda p: str(CATEGORY_LABELS.get(p.category, _("Any")))),
            Column(
                "priority",
                _("Priority"),
                value=lambda p: str(dict(Priority.choices).get(p.priority, _("Any"))),
            ),
            Column(
                "channel", _("Channel"), value=lambda p: str(dict(Channel.choices).get(p.channel, _("Any")))
            ),
            Column("minutes", _("Target"), value=describe_policy),
            Column("effective_from", _("Effective from"), kind="datetime", sort="effective_from"),
            Column(
                "is_active",
                _("State"),
                kind="badge",
                value=lambda p: "active" if p.is_active else "inactive",
                display=lambda p: _("Active") if p.is_active else _("Inactive"),
            ),
        ],
        filters=[Filter("target", _("Measures"), list(TARGET_LABELS.items()))],
        default_sort="target",
        export_name="sla-policies",
        testid="sla-policies",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "service/sla_policies.html", {"active": "service_sla", "table": table})


class SlaPolicyNewForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    target = forms.ChoiceField(label=gettext_lazy("Measures"), choices=list(TARGET_LABELS.items()))
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", gettext_lazy("Any")), *Category.choices], required=False
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=[("", gettext_lazy("Any")), *Priority.choices], required=False
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[("", gettext_lazy("Any")), *Channel.choices], required=False
    )


def _clock_changes(form: forms.Form) -> dict[str, Any] | None:
    """The clock fields of an SLA form as policy values (hours and minutes → minutes), or None with the
    form error added."""
    data = form.cleaned_data
    total = (data["hours"] or 0) * 60 + (data["minutes"] or 0)
    days = data["working_days"] or 0
    if data["basis"] == ClockBasis.WORKING_DAYS and days < 1:
        form.add_error("working_days", _("At least one working day."))
        return None
    if data["basis"] != ClockBasis.WORKING_DAYS and total < 1:
        form.add_error("minutes", _("At least one minute."))
        return None
    return {
        "basis": data["basis"],
        "minutes": total if data["basis"] != ClockBasis.WORKING_DAYS else 0,
        "working_days": days if data["basis"] == ClockBasis.WORKING_DAYS else 0,
        "window": data["window"],
        "warning_lead_minutes": data["warning_lead_minutes"],
        "notify_customer": data["notify_customer"],
    }


@login_required
def sla_new(request: HttpRequest) -> HttpResponse:
    _need(request)
    scope = SlaPolicyNewForm(request.POST or None)
    clock = SlaPolicyForm(request.POST or None, initial={"basis": "calendar_hours", "window": "09:00-18:00"})
    del clock.fields["is_active"]
    if request.method == "POST" and scope.is_valid() and clock.is_valid():
        changes = _clock_changes(clock)
        if changes is not None:
            try:
                supervision.sla_policy_create(
                    actor=request.user, request=request, **scope.cleaned_data, **changes
                )
            except DomainError as error:
                if error.code == "policy_exists":
                    scope.add_error(None, _("An active policy already sets this target; edit it instead."))
                else:
                    _form_errors(scope, error)
            else:
                messages.success(request, _("SLA policy created; it applies to new tickets from now on."))
                return redirect("service:sla")
    return render(request, "service/sla_new.html", {"active": "service_sla", "scope": scope, "clock": clock})


class SlaPolicyForm(forms.Form):
    basis = forms.ChoiceField(label=gettext_lazy("Clock"), choices=list(BASIS_LABELS.items()))
    hours = forms.IntegerField(label=gettext_lazy("Hours"), min_value=0, max_value=720, required=False)
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), min_value=0, max_value=59, required=False)
    working_days = forms.IntegerField(
        label=gettext_lazy("Working days"),
        min_value=0,
        max_value=60,
        required=False,
        help_text=gettext_lazy("Only for the whole-working-days clock (official holiday calendar)."),
    )
    window = forms.RegexField(
        label=gettext_lazy("Business hours"),
        regex=r"^\d{2}:\d{2}-\d{2}:\d{2}$",
        max_length=11,
        help_text=gettext_lazy("For the business-hours clock, e.g. 09:00-18:00."),
    )
    warning_lead_minutes = forms.IntegerField(
        label=gettext_lazy("Warn this many minutes before"), min_value=0, max_value=10080, required=False
    )
    notify_customer = forms.BooleanField(label=gettext_lazy("Tell the customer"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


@login_required
def sla_edit(request: HttpRequest, code: str) -> HttpResponse:
    _need(request)
    policy = SlaPolicy.objects.filter(code=code).first()
    if policy is None:
        raise Http404("SLA policy")
    hours, minutes = divmod(policy.minutes, 60)
    form = SlaPolicyForm(
        request.POST or None,
        initial={
            "basis": policy.basis,
            "hours": hours,
            "minutes": minutes,
            "working_days": policy.working_days,
            "window": policy.window,
            "warning_lead_minutes": policy.warning_lead_minutes,
            "notify_customer": policy.notify_customer,
            "is_active": policy.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        changes = _clock_changes(form)
        if changes is not None:
            try:
                supervision.sla_policy_update(
                    actor=request.user,
                    code=policy.code,
                    changes={**changes, "is_active": form.cleaned_data["is_active"]},
                    request=request,
                )
            except DomainError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("SLA policy saved; it applies from now on."))
                return redirect("service:sla")
    return render(
        request,
        "service/sla_form.html",
        {
            "active": "service_sla",
            "form": form,
            "policy": policy,
            "policy_label": _(policy.label),
            "description": describe_policy(policy),
        },
    )


# --- management escalation --------------------------------------------------------------------------------


@login_required
def escalation_targets(request: HttpRequest) -> HttpResponse:
    _need(request)
    if request.method == "POST":
        try:
            configuration.escalation_target_set(
                actor=request.user,
                severity=request.POST.get("severity", ""),
                role=request.POST.get("role", ""),
                request=request,
            )
        except DomainError:
            messages.error(request, _("Choose a severity and one of the defined roles."))
        else:
            messages.success(request, _("Escalation target saved."))
        return redirect("service:escalation")
    current = {t.severity: t for t in EscalationTarget.objects.all()}
    rows = [
        {
            "severity": value,
            "label": label,
            "role": current[value].role if value in current else configuration.DEFAULT_MANAGEMENT_ROLE,
            "is_default": value not in current,
            "updated_at": current[value].updated_at if value in current else None,
        }
        for value, label in ComplaintSeverity.choices
    ]
    for row in rows:
        row["role_label"] = configuration.role_label(str(row["role"]))
    return render(
        request,
        "service/escalation.html",
        {"active": "service_escalation", "rows": rows, "roles": configuration.staff_role_choices()},
    )


# --- complaint handling on the ticket page ---------------------------------------------------------------


def _moment(value: str) -> datetime:
    """A ``datetime-local`` value (Beijing time); a missing or malformed one is a field error."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise validation_error([FieldError(("body", "reported_at"), "must not be empty", "required")])
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _day(value: str) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _id(value: Any) -> int:
    return int(value) if is_ascii_digits(str(value or "")) else 0


_COMPLAINT_ACTIONS: dict[str, Callable[[Any, int, Any], Any]] = {
    "explain": lambda actor, tid, p: complaints.complaint_explain(
        actor=actor,
        ticket_id=tid,
        reason=p.get("reason", ""),
        proposed_solution=p.get("proposed_solution", ""),
    ),
    "report": lambda actor, tid, p: complaints.regulator_report_create(
        actor=actor,
        ticket_id=tid,
        regulator=p.get("regulator", ""),
        reported_at=_moment(p.get("reported_at", "")),
        reference=p.get("reference", ""),
        next_followup_on=_day(p.get("next_followup_on", "")),
    ),
    "report_followup": lambda actor, tid, p: complaints.regulator_followup(
        actor=actor,
        report_id=_id(p.get("report_id")),
        note=p.get("note", ""),
        next_followup_on=_day(p.get("next_followup_on", "")),
        closed=p.get("closed") == "on",
    ),
}


@login_required
@require_POST
def complaint_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """The complaint card of the ticket page: reason and proposed solution, regulator reports."""
    _need(request, "ticket.handle")
    handler = _COMPLAINT_ACTIONS.get(action)
    if handler is None:
        raise Http404(action)
    try:
        handler(request.user, ticket_id, request.POST)
    except DomainError as error:
        if error.status == 404:
            raise Http404("ticket") from error
        messages.error(request, error_message(error) if error.errors else _(error.detail))
    else:
        messages.success(request, label(action, "service.action_done"))
    return redirect("service:ticket", ticket_id=ticket_id)
