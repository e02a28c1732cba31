"""The reply library: templates agents pick from, screened by the compliance rules."""

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
from mallops.service import configuration
from mallops.service.models import (
    Category,
    ReplyTemplate,
)
from mallops.service.views_config.common import (
    CATEGORY_LABELS,
    _form_errors,
    _need,
)


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
                "category",
                _("Ticket category"),
                value=lambda t: str(CATEGORY_LABELS.get(t.category, "")) or "—",
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
            Column("uses", _("Times used"), kind="number", sort="uses"),
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
            Filter("category", _("Ticket category"), Category.choices),
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
        label=gettext_lazy("Ticket category"), choices=[("", "—"), *Category.choices], required=False
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
        configuration.reply_template_retire(actor=request_actor(request), template_id=template.pk)
        messages.success(request, _("Reply retired: it is no longer suggested."))
        return redirect("service:replies")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if template is None:
                saved = configuration.reply_template_create(actor=request_actor(request), **data)
            else:
                saved = configuration.reply_template_update(
                    actor=request_actor(request), template_id=template.pk, **data
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
