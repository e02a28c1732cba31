"""SLA policies: which clock and how long, per target, category, priority and channel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.service import supervision
from mallops.service.models import (
    Category,
    Channel,
    Priority,
    SlaPolicy,
)
from mallops.service.views_config.common import (
    BASIS_LABELS,
    CATEGORY_LABELS,
    TARGET_LABELS,
    _form_errors,
    _need,
)
from mallops.workdays.engine import ClockBasis


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
            Column(
                "category",
                _("Ticket category"),
                value=lambda p: str(CATEGORY_LABELS.get(p.category, _("Any"))),
            ),
            Column(
                "priority",
                _("Priority"),
                value=lambda p: str(dict(Priority.choices).get(p.priority, _("Any"))),
            ),
            Column(
                "channel", _("Channel"), value=lambda p: str(dict(Channel.choices).get(p.channel, _("Any")))
            ),
            Column("minutes", _("Time limit"), value=describe_policy),
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
        label=gettext_lazy("Ticket category"),
        choices=[("", gettext_lazy("Any")), *Category.choices],
        required=False,
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
                supervision.sla_policy_create(actor=request_actor(request), **scope.cleaned_data, **changes)
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
                    actor=request_actor(request),
                    code=policy.code,
                    changes={**changes, "is_active": form.cleaned_data["is_active"]},
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
