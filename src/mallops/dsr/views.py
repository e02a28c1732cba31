"""Console pages: privacy policy versions (publish) and the data-subject request queue."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.dsr import consent, display, requests
from mallops.dsr import selectors as dsr_selectors
from mallops.dsr.models import PersonalDataHold, PrivacyPolicy, RequestKind, RequestStatus

PURPOSES_EXAMPLE = json.dumps(
    [
        {
            "code": "order_fulfilment",
            "name": "订单履行",
            "scope": "收货人、电话、地址",
            "retention": "交易完成后三年",
            "legal_basis": "contract",
        }
    ],
    ensure_ascii=False,
)


class PolicyForm(forms.Form):
    version = forms.CharField(label=gettext_lazy("Version"), max_length=20)
    text = forms.CharField(label=gettext_lazy("Policy text"), widget=forms.Textarea)
    purposes = forms.CharField(
        label=gettext_lazy("Purposes (JSON)"), widget=forms.Textarea, initial=PURPOSES_EXAMPLE
    )


class RejectForm(forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Reason code"), choices=list(requests.REJECT_CODES.items()))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea)


def _add_errors(form: forms.Form, error: DomainError) -> None:
    for problem in error.errors or []:
        form.add_error(None, f"{'.'.join(str(p) for p in problem.loc[1:])}: {problem.msg}")
    if not error.errors:
        form.add_error(None, error.detail)


@login_required
def policies(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(consent.PUBLISH_PERMISSION):
        raise PermissionDenied(consent.PUBLISH_PERMISSION)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purposes = json.loads(form.cleaned_data["purposes"])
        except json.JSONDecodeError:
            form.add_error("purposes", _("Not valid JSON."))
        else:
            try:
                policy = consent.policy_publish(
                    actor=request_actor(request),
                    version=form.cleaned_data["version"],
                    text=form.cleaned_data["text"],
                    purposes=purposes,
                )
            except DomainError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Published privacy policy %(v)s.") % {"v": policy.version})
                return redirect("dsr:policies")
    from mallops.console.lists import Column, DataTable, DateRange, Filter

    table = DataTable(
        request,
        PrivacyPolicy.objects.select_related("published_by"),
        columns=[
            Column("version", _("Version"), sort="version"),
            Column("published_at", _("Published at"), kind="datetime", sort="published_at"),
            Column("purposes", _("Purposes"), kind="template", template="dsr/_policy_purposes.html"),
            Column(
                "published_by",
                _("Published by"),
                value=lambda p: p.published_by.username if p.published_by else None,
            ),
            Column(
                "is_current",
                _("Current"),
                kind="badge",
                value=lambda p: "current" if p.is_current else "superseded",
                display=lambda p: _("Current") if p.is_current else _("Superseded"),
                tone=lambda p: "success" if p.is_current else "neutral",
            ),
        ],
        search=["version", "text"],
        search_placeholder=_("Version or text"),
        filters=[Filter("is_current", _("Current"), [("True", _("Current")), ("False", _("Superseded"))])],
        date_range=DateRange("published_at", _("Published at")),
        default_sort="-published_at",
        page_size=50,
        testid="policies",
        row_testid="policy-row",
        empty_title=_("No policy has been published."),
        empty_hint=_("Publish the first version with the form below."),
    )
    return render(
        request,
        "dsr/policies.html",
        {"active": "privacy_policy", "table": table, "form": form},
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RequestStatus.OPEN)
    try:
        rows = requests.staff_queue(actor=request_actor(request), status=status)
    except DomainError as error:
        raise PermissionDenied(error.detail) from None
    table = DataTable(
        request,
        dsr_selectors.with_due_state(rows, now=timezone.now()),
        columns=[
            Column(
                "pk",
                "#",
                sort="pk",
                value=lambda r: f"DSR-{r.pk}",
                link=lambda r: reverse("dsr:detail", args=[r.pk]),
            ),
            Column("kind", _("Kind"), value=lambda r: r.get_kind_display()),
            Column("buyer", _("Buyer"), value=lambda r: r.buyer.username),
            Column("submitted_at", _("Submitted"), kind="datetime", sort="submitted_at"),
            Column("due_at", _("Due"), kind="template", template="dsr/_due.html", sort="due_at"),
            Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
        ],
        filters=[
            Filter("kind", _("Kind"), RequestKind.choices),
            Filter(
                "due_state",
                _("Deadline"),
                [(dsr_selectors.DUE_OVERDUE, _("Overdue")), (dsr_selectors.DUE_SOON, _("Due soon"))],
            ),
        ],
        date_range=DateRange("submitted_at", _("Submitted")),
        default_sort="due_at",
        page_size=50,
        export_name="data-subject-requests",
        testid="dsr-requests",
        row_testid="dsr-row",
        keep=["status"],
        empty_title=_("No requests."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "dsr/queue.html",
        {"active": "dsr_queue", "table": table, "status": status, "statuses": RequestStatus.choices},
    )


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        row = requests.staff_request_get(actor=request_actor(request), request_id=request_id)
    except DomainError as error:
        if error.status == 404:
            raise
        raise PermissionDenied(error.detail) from None
    reject_form = RejectForm(request.POST if request.POST.get("op") == "reject" else None)
    problem = ""
    if request.method == "POST":
        try:
            if request.POST.get("op") == "complete":
                requests.request_complete(
                    actor=request_actor(request), request_id=row.pk, note=request.POST.get("note", "")
                )
                messages.success(request, _("Request completed."))
                return redirect("dsr:detail", request_id=row.pk)
            if reject_form.is_valid():
                requests.request_reject(
                    actor=request_actor(request),
                    request_id=row.pk,
                    code=reject_form.cleaned_data["code"],
                    reason=reject_form.cleaned_data["reason"],
                )
                messages.success(request, _("Request rejected."))
                return redirect("dsr:detail", request_id=row.pk)
        except DomainError as error:
            problem = "; ".join(e.msg for e in error.errors) or error.detail
    return render(
        request,
        "dsr/detail.html",
        {
            "active": "dsr_queue",
            "row": row,
            "title": f"DSR-{row.pk} · {row.get_kind_display()}",
            "reject_form": reject_form,
            "problem": problem,
            "holds": [
                {
                    "record": f"{display.record_name(h.object_type)} #{h.object_id}",
                    "legal_basis": display.statute(h.legal_basis),
                    "hold": h,
                }
                for h in PersonalDataHold.objects.filter(request=row).order_by("pk")
            ],
            "result_lines": display.result_lines(row.result),
        },
    )
