"""Console pages of the scorecards app: a team's scorecard with its members and the last 6 periods, a
person's scorecard, the incentive rules (managers edit) and the incentive runs (compute, approve, lock)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.forms import console_widgets
from mallops.core.errors import DomainError
from mallops.core.words import error_lines
from mallops.scorecards import access, selectors, services
from mallops.scorecards.catalogue import BY_CODE, KPIS, ROLES, Unit, kpis_of
from mallops.scorecards.engine import Period, PeriodKind, period_of
from mallops.scorecards.kpis import KpiLine, Values, rules_for
from mallops.scorecards.labels import KPI_LABELS, ROLE_LABELS
from mallops.scorecards.models import PeriodKindChoice, RunStatus


def show(value: float | None, unit: str) -> str:
    """A KPI value as a person reads it (rates in %, money in 元)."""
    if value is None:
        return "—"
    if unit == Unit.RATE:
        return f"{value * 100:.1f}%"
    if unit == Unit.FEN:
        return f"¥{value / 100:,.2f}"
    if unit == Unit.MINUTES:
        return _("%(minutes)s min") % {"minutes": f"{value:g}"}
    if unit == Unit.SCORE:
        return f"{value:.2f}"
    return f"{value:g}"


def _period(request: HttpRequest) -> Period:
    kind = request.GET.get("period", PeriodKind.WEEK)
    if kind not in (PeriodKind.WEEK, PeriodKind.MONTH):
        kind = PeriodKind.WEEK
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate(timezone.now())
    return period_of(kind, day)


def _rows(lines: list[KpiLine]) -> list[dict[str, Any]]:
    return [
        {
            "code": line.kpi.code,
            "label": KPI_LABELS[line.kpi.code],
            "value": show(line.value, line.kpi.unit),
            "target": show(line.target, line.kpi.unit),
            "target_met": line.target_met,
            "band": line.band,
        }
        for line in lines
    ]


def _chart(history: list[tuple[Period, Values]], kpi: str) -> dict[str, Any]:
    unit = BY_CODE[kpi].unit
    scale = 100 if unit == Unit.RATE else (0.01 if unit == Unit.FEN else 1)
    return {
        "xAxis": {"type": "category", "data": [p.key for p, _values in history]},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "bar",
                "name": str(KPI_LABELS[kpi]),
                "data": [
                    None if values.get(kpi) is None else round(float(values[kpi] or 0) * scale, 4)
                    for _p, values in history
                ],
            }
        ],
    }


def _common(request: HttpRequest, period: Period, role: str) -> dict[str, Any]:
    return {
        "active": "scorecards",
        "period": period,
        "period_label": PeriodKindChoice(period.kind).label,
        "period_kinds": PeriodKindChoice.choices,
        "previous_day": period.previous().start.isoformat(),
        "next_day": period.end.isoformat(),
        "role": role,
        "role_label": ROLE_LABELS[role],
        "can_manage": access.can_manage(request.user),
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    roles = access.roles_visible(request.user)
    if not roles:
        raise PermissionDenied("scorecards")
    role = request.GET.get("role", "")
    if role not in roles:
        role = roles[0]
    period = _period(request)
    if not access.can_view_team(request.user, role):
        return redirect(
            f"{_url('scorecards:person', role=role, person_id=request.user.pk)}?period={period.kind}"
            f"&day={period.start.isoformat()}"
        )
    card = selectors.team_scorecard(actor=actor, role=role, period=period)
    codes = [k.code for k in kpis_of(role)]
    kpi = request.GET.get("kpi", "")
    if kpi not in codes:
        kpi = codes[0]
    history = selectors.team_history(actor=actor, role=role, period=period)
    return render(
        request,
        "scorecards/team.html",
        _common(request, period, role)
        | {
            "roles": [(r, ROLE_LABELS[r]) for r in roles],
            "lines": _rows(card.lines),
            "member_columns": [(k.code, KPI_LABELS[k.code]) for k in kpis_of(role) if k.scope == "person"],
            "members": [{"member": m.member, "lines": _rows(m.lines)} for m in card.members],
            "kpis": [(code, KPI_LABELS[code]) for code in codes],
            "kpi": kpi,
            "chart": _chart(history, kpi),
        },
    )


@login_required
def person(request: HttpRequest, role: str, person_id: int) -> HttpResponse:
    actor = request_actor(request)
    if role not in ROLES:
        raise Http404(role)
    period = _period(request)
    try:
        card = selectors.person_scorecard(actor=actor, role=role, person_id=person_id, period=period)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied("scorecards") from exc
        raise Http404(exc.detail) from exc
    codes = [line.kpi.code for line in card.lines]
    kpi = request.GET.get("kpi", "")
    if kpi not in codes:
        kpi = codes[0]
    return render(
        request,
        "scorecards/person.html",
        _common(request, period, role)
        | {
            "card": card,
            "lines": _rows(card.lines),
            "kpis": [(code, KPI_LABELS[code]) for code in codes],
            "kpi": kpi,
            "chart": _chart(card.history, kpi),
            "can_view_team": access.can_view_team(request.user, role),
            "results": list(selectors.my_results(actor=actor)[:12]) if request.user.pk == person_id else [],
        },
    )


def _need_manager(request: HttpRequest) -> None:
    if not access.can_manage(request.user):
        raise PermissionDenied("scorecards")


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    _need_manager(request)
    from mallops.console.lists import Column, DataTable, Filter

    rows = []
    for role in ROLES:
        specs = rules_for(role)
        for position, k in enumerate(kpis_of(role)):
            up = k.better == "up"
            rows.append(
                {
                    "code": k.code,
                    "role": role,
                    "position": (ROLES.index(role), position),
                    "team": str(ROLE_LABELS[role]),
                    "label": str(KPI_LABELS[k.code]),
                    "target": show(specs[k.code].target, k.unit),
                    "bands": "；".join(
                        f"{'≥' if up else '≤'} {show(b.threshold, k.unit)} → {b.points}"
                        for b in specs[k.code].bands
                    ),
                }
            )
    table = DataTable(
        request,
        rows,
        columns=[
            Column("team", _("Team"), sort="position"),
            Column("label", _("KPI"), sort="label"),
            Column("target", _("Target")),
            Column("bands", _("Bands (threshold → points)")),
            Column("edit", "", kind="template", template="scorecards/_rule_edit_link.html", export=False),
        ],
        search=["label", "team"],
        search_placeholder=_("KPI or team"),
        filters=[Filter("role", _("Team"), [(role, ROLE_LABELS[role]) for role in ROLES])],
        default_sort="team",
        page_size=50,
        export_name="incentive-rules",
        row_key="code",
        testid="rules",
        row_testid="rule-{key}",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "scorecards/rules.html", {"active": "scorecards", "table": table})


class RuleForm(forms.Form):
    target = forms.FloatField(label=gettext_lazy("Target"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, services.MAX_BANDS + 1):
            self.fields[f"threshold_{number}"] = forms.FloatField(
                label=_("Band %(number)s threshold") % {"number": number}, required=False, min_value=0
            )
            self.fields[f"points_{number}"] = forms.IntegerField(
                label=_("Band %(number)s points") % {"number": number}, required=False, min_value=0
            )
        console_widgets(self)

    def bands(self) -> list[tuple[float, int]]:
        out = []
        for number in range(1, services.MAX_BANDS + 1):
            threshold = self.cleaned_data.get(f"threshold_{number}")
            points = self.cleaned_data.get(f"points_{number}")
            if threshold is not None and points is not None:
                out.append((float(threshold), int(points)))
        return out


@login_required
def rule_edit(request: HttpRequest, kpi: str) -> HttpResponse:
    actor = request_actor(request)
    _need_manager(request)
    definition = BY_CODE.get(kpi)
    if definition is None:
        raise Http404(kpi)
    spec = rules_for(definition.role)[kpi]
    initial: dict[str, Any] = {"target": spec.target}
    for number, band in enumerate(spec.bands, start=1):
        initial[f"threshold_{number}"] = band.threshold
        initial[f"points_{number}"] = band.points
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_rule_set(
                actor=actor, kpi=kpi, target=form.cleaned_data["target"], bands=form.bands()
            )
        except DomainError as exc:
            for line in error_lines(exc.errors, "scorecards") or [_(exc.detail)]:
                form.add_error(None, line)
        else:
            messages.success(request, _("Incentive rule saved."))
            return redirect("scorecards:rules")
    return render(
        request,
        "scorecards/rule_edit.html",
        {
            "active": "scorecards",
            "form": form,
            "kpi_label": KPI_LABELS[kpi],
            "role_label": ROLE_LABELS[definition.role],
            "rates": definition.unit == Unit.RATE,
            "fen": definition.unit == Unit.FEN,
            "better_up": definition.better == "up",
        },
    )


class RunForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Team"), choices=list(ROLE_LABELS.items()))
    period_kind = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=PeriodKindChoice.choices, initial=PeriodKindChoice.MONTH
    )
    day = forms.DateField(label=gettext_lazy("Any day of the period"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        console_widgets(self)


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need_manager(request)
    form = RunForm(request.POST or None, initial={"day": timezone.localdate(timezone.now())})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.incentive_run_compute(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            for line in error_lines(exc.errors, "scorecards") or [_(exc.detail)]:
                form.add_error(None, line)
        else:
            messages.success(request, _("Incentive run computed."))
            return redirect("scorecards:run", run_id=run.pk)
    from django.urls import reverse

    from mallops.console.lists import Column, DataTable, DateRange, Filter
    from mallops.core.words import label

    table = DataTable(
        request,
        selectors.runs(actor=actor),
        columns=[
            Column(
                "role",
                _("Team"),
                sort="role",
                value=lambda r: ROLE_LABELS.get(r.role, r.role),
                link=lambda r: reverse("scorecards:run", args=[r.pk]),
            ),
            Column("period_start", _("Period"), kind="date", sort="period_start"),
            Column(
                "period_kind", _("Period kind"), value=lambda r: label(r.period_kind, "scorecards.period")
            ),
            Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
            Column(
                "created_by",
                _("Computed by"),
                value=lambda r: r.created_by.username if r.created_by else None,
            ),
            Column(
                "approved_by",
                _("Approved by"),
                value=lambda r: r.approved_by.username if r.approved_by else None,
            ),
        ],
        filters=[
            Filter("role", _("Team"), list(ROLE_LABELS.items())),
            Filter("period_kind", _("Period kind"), PeriodKindChoice.choices),
            Filter("status", _("Status"), RunStatus.choices),
        ],
        date_range=DateRange("period_start", _("Period"), is_date=True),
        default_sort="-period_start",
        page_size=50,
        export_name="incentive-runs",
        testid="runs",
        row_testid="run-{key}",
        empty_title=_("No incentive run yet."),
        empty_hint=_("Compute a period with the form above."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "scorecards/runs.html", {"active": "scorecards", "form": form, "table": table})


@login_required
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = request_actor(request)
    _need_manager(request)
    try:
        run = selectors.run_get(actor=actor, run_id=run_id)
    except DomainError as exc:
        raise Http404(exc.detail) from exc
    units = {k.code: k.unit for k in KPIS}
    rows = list(selectors.run_results(run))
    results = [
        {
            "result": result,
            "lines": [
                {
                    "label": KPI_LABELS.get(line["kpi"], ""),
                    "value": show(line["value"], units.get(line["kpi"], Unit.COUNT)),
                    "band": line["band"],
                    "points": line["points"],
                }
                for line in result.lines
            ],
        }
        for result in rows
    ]
    period = Period(PeriodKind(run.period_kind), run.period_start)
    return render(
        request,
        "scorecards/run.html",
        {
            "active": "scorecards",
            "run": run,
            "period": period,
            "role_label": ROLE_LABELS.get(run.role, run.role),
            "results": results,
            "total": sum(result.points for result in rows),
            "is_draft": run.status == RunStatus.DRAFT,
            "is_approved": run.status == RunStatus.APPROVED,
        },
    )


@login_required
@require_POST
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    _need_manager(request)
    try:
        if action == "approve":
            services.incentive_run_approve(actor=actor, run_id=run_id)
            messages.success(request, _("Incentive run approved."))
        elif action == "lock":
            services.incentive_run_lock(actor=actor, run_id=run_id)
            messages.success(request, _("Incentive run locked."))
        elif action == "recompute":
            run = selectors.run_get(actor=actor, run_id=run_id)
            services.incentive_run_compute(
                actor=actor, role=run.role, period_kind=run.period_kind, day=run.period_start
            )
            messages.success(request, _("Incentive run computed."))
        else:
            raise Http404(action)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from exc
        for line in error_lines(exc.errors, "scorecards") or [_(exc.detail)]:
            messages.error(request, line)
    return redirect("scorecards:run", run_id=run_id)


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)
