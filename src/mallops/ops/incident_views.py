"""Console actions on incidents (R7.4.1): open one, add a timeline note, move it on, record a notification.

Each action is one call of ``ops.incidents`` (which checks ``system.operate``, locks the row, appends the
timeline and writes the audit event); refusals come back as the codes' Chinese words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.forms import console_widgets
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.ops import incidents
from mallops.ops.models import IncidentStatus

KINDS = {
    "system_failure": gettext_lazy("System failure"),
    "data_leak": gettext_lazy("Data leak"),
    "mass_complaints": gettext_lazy("Mass complaints"),
    "regulatory_investigation": gettext_lazy("Regulatory investigation"),
}
SEVERITIES = {
    "sev4": gettext_lazy("General (level 4)"),
    "sev3": gettext_lazy("Relatively serious (level 3)"),
    "sev2": gettext_lazy("Serious (level 2)"),
    "sev1": gettext_lazy("Especially serious (level 1)"),
}
# the buttons that move an incident on, by the status they move it to
STEPS = {
    IncidentStatus.MITIGATED: gettext_lazy("Mark mitigated"),
    IncidentStatus.RESOLVED: gettext_lazy("Mark resolved"),
    IncidentStatus.CLOSED: gettext_lazy("Close the incident"),
    IncidentStatus.OPEN: gettext_lazy("Reopen"),
}


EVENT_KINDS = {
    "opened": gettext_lazy("Incident opened"),
    "note": gettext_lazy("Note"),
    "status": gettext_lazy("Status"),
    "owner": gettext_lazy("Owner"),
    "notified_regulator": gettext_lazy("Regulator notified"),
    "notified_users": gettext_lazy("Users notified"),
    "deadline_missed": gettext_lazy("Deadline missed"),
    "action": gettext_lazy("Action item"),
}


class IncidentOpenForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=list(KINDS.items()))
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=list(SEVERITIES.items()))
    summary = forms.CharField(
        label=gettext_lazy("What happened"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    detected_at = forms.DateTimeField(
        label=gettext_lazy("Detected"),
        required=False,
        help_text=gettext_lazy("Leave empty for now. The regulator's deadline counts from this time."),
    )
    involves_personal_data = forms.BooleanField(label=gettext_lazy("Personal data involved"), required=False)
    affected_people = forms.IntegerField(
        label=gettext_lazy("Affected people"), required=False, min_value=0, max_value=2_000_000_000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        console_widgets(self)


def steps_for(status: str) -> list[tuple[str, Any]]:
    """The statuses an incident in ``status`` may move to, with their button words (the service's table)."""
    allowed = incidents.TRANSITIONS.get(status, frozenset())
    return [(str(step), label) for step, label in STEPS.items() if step in allowed]


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied(error.detail)
    code = getattr(error, "code", "")
    words = getattr(code, "zh", "") if request.LANGUAGE_CODE.startswith("zh") else getattr(code, "en", "")
    messages.error(request, words or _("Please check the input."))


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(incidents.MANAGE_PERMISSION):
        raise PermissionDenied(incidents.MANAGE_PERMISSION)


@login_required
@require_POST
def incident_open(request: HttpRequest) -> HttpResponse:
    """The 事件 page's 登记事件 form: opens the incident (and starts the regulator's clock where a rule
    applies), then shows it."""
    _require(request)
    form = IncidentOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the input."))
        return redirect("ops:incidents")
    data = form.cleaned_data
    try:
        incident = incidents.incident_open(
            actor=request_actor(request),
            kind=data["kind"],
            severity=data["severity"],
            title=data["title"],
            summary=data["summary"],
            detected_at=data["detected_at"],
            involves_personal_data=data["involves_personal_data"],
            affected_people=data["affected_people"] or 0,
        )
    except DomainError as error:
        _refused(request, error)
        return redirect("ops:incidents")
    messages.success(request, _("Incident opened."))
    return redirect("ops:incident", incident_id=incident.pk)


@login_required
@require_POST
def incident_act(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One step on the incident page: ``op`` = ``note`` (text), ``move`` (status, post-mortem) or
    ``notify`` (audience regulator/users, text)."""
    _require(request)
    actor = request_actor(request)
    op = request.POST.get("op", "")
    text = request.POST.get("text", "").strip()[:4000]
    try:
        if op == "note" and text:
            incidents.incident_note(actor=actor, incident_id=incident_id, text=text)
        elif op == "move":
            incidents.incident_transition(
                actor=actor,
                incident_id=incident_id,
                status=request.POST.get("status", ""),
                postmortem=request.POST.get("postmortem", "").strip()[:20000],
            )
        elif op == "notify" and text:
            incidents.incident_notify(
                actor=actor, incident_id=incident_id, audience=request.POST.get("audience", ""), text=text
            )
        else:
            messages.error(request, _("Please check the input."))
            return redirect(reverse("ops:incident", args=[incident_id]))
    except DomainError as error:
        _refused(request, error)
        return redirect(reverse("ops:incident", args=[incident_id]))
    messages.success(request, _("Saved."))
    return redirect(reverse("ops:incident", args=[incident_id]))


# --- incident drills (R7.4.2) ----------------------------------------------------------------------------

DRILL_RESULTS = {
    "planned": gettext_lazy("Planned"),
    "passed": gettext_lazy("Passed"),
    "issues_found": gettext_lazy("Issues found"),
}


class DrillScheduleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Drill"), max_length=200)
    scenario = forms.ChoiceField(label=gettext_lazy("Scenario"), choices=list(KINDS.items()))
    scheduled_at = forms.DateTimeField(label=gettext_lazy("Scheduled at"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        console_widgets(self)


def drill_rows(drills: Any) -> list[dict[str, Any]]:
    """The drills as the 事件 page lists them: the row with its scenario and result in words."""
    return [
        {
            "drill": drill,
            "scenario": KINDS.get(drill.scenario, drill.scenario),
            "result": DRILL_RESULTS.get(drill.result, drill.result),
        }
        for drill in drills
    ]


@login_required
@require_POST
def drill_act(request: HttpRequest) -> HttpResponse:
    """``op`` = ``schedule`` (the plan form) or ``record`` (drill_id, result, findings) on the 事件 page."""
    _require(request)
    actor = request_actor(request)
    op = request.POST.get("op", "")
    try:
        if op == "schedule":
            form = DrillScheduleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Please check the input."))
                return redirect("ops:incidents")
            incidents.drill_schedule(actor=actor, **form.cleaned_data)
        elif op == "record" and is_ascii_digits(request.POST.get("drill_id", "")):
            incidents.drill_record(
                actor=actor,
                drill_id=int(request.POST["drill_id"]),
                result=request.POST.get("result", ""),
                findings=request.POST.get("findings", "").strip()[:4000],
            )
        else:
            messages.error(request, _("Please check the input."))
            return redirect("ops:incidents")
    except DomainError as error:
        _refused(request, error)
        return redirect("ops:incidents")
    messages.success(request, _("Saved."))
    return redirect("ops:incidents")
