"""Console pages of the risk register (R7.2.1) and early-warning alerts (R7.2.3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.accounts.roles import ROLES, Kind
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.risk import early_warning, labels, register, services
from mallops.risk.metrics import METRICS
from mallops.risk.models import AlertStatus, RegisteredRisk, RegisterStatus, RiskCategory

SCALE = [(n, str(n)) for n in range(1, 6)]


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    table = DataTable(
        request,
        register.risk_list(actor),
        columns=[
            Column(
                "title",
                _("Risk"),
                link=lambda r: reverse("risk:register_edit", args=[r.pk]),
            ),
            Column("category", _("Risk category"), value=lambda r: r.get_category_display()),
            Column(
                "score_value",
                _("Likelihood × impact"),
                sort="score_value",
                value=lambda r: f"{r.likelihood} × {r.impact} = {r.score}",
            ),
            Column(
                "level",
                _("Risk level"),
                kind="badge",
                value=lambda r: r.level,
                display=lambda r: labels.LEVELS[r.level],
                tone=lambda r: labels.LEVEL_TONES[r.level],
            ),
            Column(
                "owner_role",
                _("Owner"),
                value=lambda r: r.owner.username if r.owner else labels.role_label(r.owner_role),
            ),
            Column("controls", _("Controls"), value=lambda r: "；".join(r.controls)),
            Column(
                "metrics",
                _("Watched by"),
                value=lambda r: "、".join(labels.metric_label(m) for m in r.metrics) or "—",
            ),
            Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
        ],
        search=["title", "code", "description"],
        search_placeholder=_("Risk, code or description"),
        filters=[
            Filter("category", _("Risk category"), RiskCategory.choices),
            Filter("status", _("Status"), RegisterStatus.choices),
        ],
        default_sort="-score_value",
        export_name="risk-register",
        testid="risk-register",
        row_testid="risk-register-row",
        empty_title=_("The register is empty."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "risk/register.html",
        {
            "active": "risk_register",
            "table": table,
            "can_manage": request.user.has_perm(services.MANAGE_PERMISSION),
        },
    )


class RegisterForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Risk code"), max_length=40)
    title = forms.CharField(label=gettext_lazy("Risk"), max_length=120)
    category = forms.ChoiceField(label=gettext_lazy("Risk category"), choices=RiskCategory.choices)
    description = forms.CharField(
        label=gettext_lazy("Risk description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    likelihood = forms.TypedChoiceField(label=gettext_lazy("Likelihood (1-5)"), choices=SCALE, coerce=int)
    impact = forms.TypedChoiceField(label=gettext_lazy("Impact (1-5)"), choices=SCALE, coerce=int)
    owner_role = forms.ChoiceField(label=gettext_lazy("Owner"), choices=())
    controls = forms.CharField(
        label=gettext_lazy("Controls (one per line)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    metrics = forms.MultipleChoiceField(
        label=gettext_lazy("Watched by"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=RegisterStatus.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_role"].choices = [  # type: ignore[attr-defined]
            (code, labels.role_label(code)) for code, role in ROLES.items() if role.kind == Kind.STAFF
        ]
        self.fields["metrics"].choices = [(m, labels.metric_label(m)) for m in METRICS]  # type: ignore[attr-defined]

    def risk_input(self) -> register.RiskInput:
        data = self.cleaned_data
        controls = [line.strip() for line in data["controls"].splitlines() if line.strip()]
        return register.RiskInput(
            code=data["code"],
            title=data["title"],
            category=data["category"],
            description=data["description"],
            likelihood=data["likelihood"],
            impact=data["impact"],
            owner_role=data["owner_role"],
            controls=controls,
            metrics=list(data["metrics"]),
            status=data["status"],
        )


def _initial(row: RegisteredRisk) -> dict[str, Any]:
    return {
        "code": row.code,
        "title": row.title,
        "category": row.category,
        "description": row.description,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "owner_role": row.owner_role,
        "controls": "\n".join(row.controls),
        "metrics": row.metrics,
        "status": row.status,
    }


@login_required
def register_edit(request: HttpRequest, risk_id: int | None = None) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    row = None
    if risk_id is not None:
        try:
            row = register.risk_get(actor, risk_id)
        except DomainError as error:
            if error.status == 404:
                raise
            raise PermissionDenied(error.detail) from None
    can_manage = request.user.has_perm(services.MANAGE_PERMISSION)
    if row is None and not can_manage:
        raise PermissionDenied(services.MANAGE_PERMISSION)
    form = RegisterForm(request.POST or None, initial=_initial(row) if row else {"status": "active"})
    if request.method == "POST":
        _need(request, services.MANAGE_PERMISSION)
        try:
            if row is not None and request.POST.get("op") == "delete":
                register.risk_delete(actor=actor, risk_id=row.pk)
                messages.success(request, _("Risk deleted."))
                return redirect("risk:register")
            if form.is_valid():
                if row is None:
                    row = register.risk_create(actor=actor, data=form.risk_input())
                else:
                    register.risk_update(actor=actor, risk_id=row.pk, data=form.risk_input())
                messages.success(request, _("Risk saved."))
                return redirect("risk:register")
        except DomainError as error:
            for problem in error.errors or []:
                name = str(problem.loc[-1]) if problem.loc else ""
                form.add_error(name if name in form.fields else None, problem.msg)
            if not error.errors:
                form.add_error(None, error.detail)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "risk/register_edit.html",
        {"active": "risk_register", "row": row, "form": form, "can_manage": can_manage},
    )


# -- alerts -----------------------------------------------------------------------------------------------


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    if request.method == "POST":
        try:
            early_warning.alert_acknowledge(
                actor=actor,
                alert_id=int(request.POST.get("alert_id", "0") or 0),
                note=request.POST.get("note", ""),
            )
        except (DomainError, ValueError) as error:
            messages.error(request, getattr(error, "detail", str(error)))
        else:
            messages.success(request, _("Alert acknowledged."))
        return redirect(request.get_full_path())
    mine = request.GET.get("scope", "mine") != "all"
    table = DataTable(
        request,
        early_warning.alert_list(actor, mine=mine),
        columns=[
            Column("raised_at", _("Raised"), kind="datetime", sort="raised_at"),
            Column("rule", _("Warning rule"), value=lambda a: a.rule.name),
            Column("value", _("Value / threshold"), value=lambda a: f"{a.value} / {a.threshold}"),
            Column("owner_role", _("Owner"), value=lambda a: labels.role_label(a.owner_role)),
            Column("status", _("Status"), kind="badge", display=lambda a: a.get_status_display()),
            Column("escalated_at", _("Escalated at"), kind="datetime"),
            Column("actions", "", kind="template", template="risk/_alert_actions.html", export=False),
        ],
        filters=[Filter("status", _("Status"), AlertStatus.choices)],
        default_sort="-raised_at",
        export_name="risk-alerts",
        testid="risk-alerts",
        row_testid="risk-alert-row",
        keep=["scope"],
        empty_title=_("No alerts."),
        empty_hint=_("An alert is raised when a watched metric crosses its threshold."),
    )
    if table.export_format:
        return table.export_response()
    rules = [
        {
            "rule": rule,
            "metric": labels.metric_label(rule.metric),
            "owner": labels.role_label(rule.owner_role),
        }
        for rule in early_warning.rule_list(actor)
    ]
    return render(
        request,
        "risk/alerts.html",
        {
            "active": "risk_alerts",
            "table": table,
            "mine": mine,
            "rules": rules,
            "can_manage": request.user.has_perm(services.MANAGE_PERMISSION),
        },
    )


class WarningRuleForm(forms.Form):
    threshold = forms.IntegerField(label=gettext_lazy("Alert threshold"), min_value=0, max_value=2**53 - 1)
    window_minutes = forms.IntegerField(label=gettext_lazy("Window (minutes)"), min_value=1, max_value=44640)
    escalate_after_minutes = forms.IntegerField(
        label=gettext_lazy("Escalate after (minutes)"), min_value=1, max_value=10080
    )
    is_active = forms.BooleanField(label=gettext_lazy("Rule switched on"), required=False)


@login_required
def warning_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.MANAGE_PERMISSION)
    rule = early_warning.rule_list(actor).filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    initial = {
        "threshold": rule.threshold,
        "window_minutes": rule.window_minutes,
        "escalate_after_minutes": rule.escalate_after_minutes,
        "is_active": rule.is_active,
    }
    form = WarningRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            early_warning.rule_update(actor=actor, rule_id=rule.pk, **form.cleaned_data)
        except DomainError as error:
            for problem in error.errors or []:
                name = str(problem.loc[-1]) if problem.loc else ""
                form.add_error(name if name in form.fields else None, problem.msg)
            if not error.errors:
                form.add_error(None, error.detail)
        else:
            messages.success(request, _("Warning rule saved."))
            return redirect("risk:alerts")
    return render(
        request,
        "risk/warning_rule.html",
        {"active": "risk_alerts", "rule": rule, "metric": labels.metric_label(rule.metric), "form": form},
    )
