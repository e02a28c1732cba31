"""Console pages of risk control (风控与合规): the analysts' queue, one decision with the linkage of its
cluster, the rule profile editor with dry run, and decisions over time per rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.risk import labels, selectors, services
from mallops.risk.engine import Rule
from mallops.risk.models import Outcome, ReviewStatus, RiskDecision


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    table = DataTable(
        request,
        selectors.decision_queue(actor, status=""),
        columns=[
            Column(
                "pk",
                "#",
                sort="pk",
                value=lambda r: f"R{r.pk}",
                link=lambda r: reverse("risk:decision", args=[r.pk]),
            ),
            Column("created_at", _("Decided at"), kind="datetime", sort="created_at"),
            Column("event_type", _("Buyer action"), value=lambda r: labels.event_label(r.event_type)),
            Column("buyer", _("Buyer"), value=lambda r: f"#{r.buyer}"),
            Column("rules", _("Rules"), value=lambda r: labels.rules_text(r.rules)),
            Column("outcome", _("Decision"), kind="badge", display=lambda r: r.get_outcome_display()),
            Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
        ],
        search=["buyer", "subject_ref"],
        search_placeholder=_("Buyer id or order/batch"),
        filters=[
            Filter("status", _("Status"), ReviewStatus.choices),
            Filter("outcome", _("Decision"), [(Outcome.REVIEW, _("Review")), (Outcome.BLOCK, _("Block"))]),
            Filter("rule", _("Rule"), [(k, v) for k, v in labels.RULES.items()], lookup="rules__icontains"),
        ],
        date_range=DateRange("created_at", _("Decided at")),
        default_sort="-created_at",
        export_name="risk-decisions",
        testid="risk-decisions",
        row_testid="risk-row",
        empty_title=_("No risk decisions."),
        empty_hint=_("Reviews and blocks of coupon claims, orders and refund requests show up here."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "risk/queue.html", {"active": "risk_queue", "table": table})


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _linkage_graph(buyer: str, links: list[selectors.LinkRow]) -> dict[str, Any] | None:
    """An ECharts force graph: accounts (the decided one highlighted) joined to the devices and
    addresses they share; None when nothing is shared."""
    if not links:
        return None
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, str]] = []
    for n, link in enumerate(links):
        shared = f"{link.kind}:{n}"
        nodes[shared] = {
            "id": shared,
            "name": link.value,
            "category": 1 if link.kind == "device" else 2,
            "symbolSize": 14,
        }
        for account in link.buyers:
            key = f"buyer:{account}"
            nodes.setdefault(
                key,
                {
                    "id": key,
                    "name": f"#{account}",
                    "category": 0,
                    "symbolSize": 26 if account == buyer else 18,
                },
            )
            edges.append({"source": key, "target": shared})
    return {
        "tooltip": {},
        "legend": {"top": 0},
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "label": {"show": True, "position": "right"},
                "force": {"repulsion": 160, "edgeLength": 70},
                "categories": [
                    {"name": _("Linked account")},
                    {"name": _("Device")},
                    {"name": _("Delivery address")},
                ],
                "data": list(nodes.values()),
                "links": edges,
            }
        ],
    }


@login_required
def decision(request: HttpRequest, decision_id: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        row = selectors.decision_get(actor, decision_id)
    except DomainError as error:
        if error.status == 404:
            raise
        raise PermissionDenied(error.detail) from None
    form = ReviewForm(request.POST or None)
    linkage = selectors.decision_linkage(actor, row)
    if request.method == "POST":
        _need(request, services.DECIDE_PERMISSION)
        op = request.POST.get("op")
        if op in {"confirm", "clear"} and form.is_valid():
            action = services.decision_confirm if op == "confirm" else services.decision_clear
            try:
                action(actor=actor, decision_id=row.pk, note=form.cleaned_data["note"])
            except DomainError as error:
                messages.error(request, error.detail)
            else:
                messages.success(
                    request, _("Risk confirmed.") if op == "confirm" else _("Decision cleared: no abuse.")
                )
            return redirect("risk:decision", decision_id=row.pk)
    return render(
        request,
        "risk/decision.html",
        {
            "active": "risk_queue",
            "row": row,
            "event_label": labels.event_label(row.event_type),
            "reasons": [
                {**r, "label": labels.rule_label(r["rule"]), "decision_label": Outcome(r["decision"]).label}
                for r in row.reasons
            ],
            "linkage": linkage,
            "graph": _linkage_graph(row.buyer, linkage),
            "form": form,
            "can_decide": row.status == ReviewStatus.OPEN
            and request.user.has_perm(services.DECIDE_PERMISSION),
        },
    )


# -- rule profiles ----------------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    """One field per threshold (windows in minutes, money in yuan), the disabled rules and a note."""

    def __init__(self, *args: Any, initial_rules: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, unit) in labels.SETTINGS.items():
            value = initial_rules.get(name, 0)
            shown = value // 60 if unit == "s" else value / 100 if unit == "fen" else value
            self.fields[name] = forms.IntegerField(label=label, min_value=0, initial=shown)
        self.fields["disabled_rules"] = forms.MultipleChoiceField(
            label=gettext_lazy("Disabled rules"),
            choices=[(str(r), labels.rule_label(str(r))) for r in Rule if r is not Rule.CONFIRMED_RING],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=initial_rules.get("disabled_rules", []),
        )
        self.fields["note"] = forms.CharField(label=gettext_lazy("Why"), max_length=500, required=False)
        self.fields["days"] = forms.IntegerField(
            label=gettext_lazy("Dry run over the last days"), min_value=1, max_value=365, initial=30
        )

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        rules: dict[str, Any] = {}
        for name, (_label, unit) in labels.SETTINGS.items():
            value = data[name]
            rules[name] = value * 60 if unit == "s" else value * 100 if unit == "fen" else value
        rules["disabled_rules"] = sorted(data["disabled_rules"])
        return rules


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    version, active = services.active_profile()
    form = ProfileForm(request.POST or None, initial_rules=active.to_json())
    dry_run = None
    if request.method == "POST":
        _need(request, services.MANAGE_PERMISSION)
        if form.is_valid():
            try:
                if request.POST.get("op") == "publish":
                    row = services.profile_publish(
                        actor=actor,
                        rules=form.rules(),
                        note=form.cleaned_data["note"],
                    )
                    messages.success(request, _("Rule version %(v)d published.") % {"v": row.version})
                    return redirect("risk:profile")
                dry_run = services.profile_dry_run(
                    actor=actor, rules=form.rules(), days=form.cleaned_data["days"]
                )
            except DomainError as error:
                for problem in error.errors or []:
                    field = str(problem.loc[-1]) if problem.loc else None
                    form.add_error(field if field in form.fields else None, problem.msg)
                if not error.errors:
                    form.add_error(None, error.detail)
    changed_rules = (
        [(labels.rule_label(rule), count) for rule, count in sorted(dry_run.changed_by_rule.items())]
        if dry_run
        else []
    )
    return render(
        request,
        "risk/profile.html",
        {
            "active": "risk_profile",
            "version": version,
            "form": form,
            "dry_run": dry_run,
            "changed_rules": changed_rules,
            "versions": selectors.profile_versions(actor)[:20],
            "can_manage": request.user.has_perm(services.MANAGE_PERMISSION),
        },
    )


@login_required
def trends(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _need(request, services.VIEW_PERMISSION)
    raw = request.GET.get("days", "30")
    days = max(7, min(int(raw), 180)) if is_ascii_digits(raw) else 30
    data = selectors.decision_trend(actor, days=days)
    x = [day.strftime("%m-%d") for day in data["days"]]
    by_rule = {
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": labels.rule_label(rule), "type": "line", "data": counts}
            for rule, counts in data["series"].items()
        ],
    }
    by_outcome = {
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": _("Review"), "type": "bar", "stack": "all", "data": data["outcomes"]["review"]},
            {"name": _("Block"), "type": "bar", "stack": "all", "data": data["outcomes"]["block"]},
        ],
    }
    totals = [
        (labels.rule_label(rule), sum(counts)) for rule, counts in data["series"].items() if sum(counts)
    ]
    return render(
        request,
        "risk/trends.html",
        {
            "active": "risk_trends",
            "days": days,
            "by_rule": by_rule,
            "by_outcome": by_outcome,
            "totals": totals,
            "has_data": bool(totals),
            "open_count": RiskDecision.objects.filter(status=ReviewStatus.OPEN).count(),
        },
    )
