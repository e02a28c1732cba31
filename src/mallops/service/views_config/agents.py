"""Agent profiles (skills and stores an agent takes tickets for; automatic routing uses them)."""

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
from mallops.accounts.selectors import merchant_names
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.service import configuration
from mallops.service.models import (
    AgentProfile,
    Category,
)
from mallops.service.views_config.common import (
    CATEGORY_LABELS,
    _form_errors,
    _need,
)


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
            *merchant_names(),
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
                    actor=request_actor(request),
                    user_id=data["user_id"],
                    skills=list(data["skills"]),
                    merchant_id=data["merchant_id"],
                    max_open=data["max_open"],
                    is_available=data["is_available"],
                )
            else:
                configuration.agent_profile_update(
                    actor=request_actor(request),
                    profile_id=profile.pk,
                    changes={
                        "skills": list(data["skills"]),
                        "merchant_id": data["merchant_id"],
                        "max_open": data["max_open"],
                        "is_available": data["is_available"],
                    },
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
