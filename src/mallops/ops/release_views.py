"""Console pages of releases and feature flags (R6.4.1, R6.4.2), group 系统, permission system.operate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.ops import releases
from mallops.ops.models import FeatureFlag, ReleaseStatus
from mallops.ops.views import _require

# the next steps a release may take, with the button's words and its confirmation
STEP_BUTTONS: dict[str, tuple[Any, str, Any]] = {
    ReleaseStatus.TESTING: (_("Start testing"), "btn-primary", _("Start testing this release?")),
    ReleaseStatus.APPROVED: (
        _("Approve"),
        "btn-success",
        _("Approve this release? You confirm the test evidence; the creator cannot approve."),
    ),
    ReleaseStatus.GRAY: (
        _("Start gray release"),
        "btn-primary",
        _("Start the gray release? Its flags turn on at their percentages and cohorts."),
    ),
    ReleaseStatus.FULL: (
        _("Release to everyone"),
        "btn-primary",
        _("Release to everyone? Every subject gets its flags."),
    ),
}


class ReleaseForm(forms.Form):
    version = forms.CharField(
        label=_("Version"), max_length=20, help_text=_("MAJOR.MINOR.PATCH, above the latest")
    )
    changelog = forms.CharField(label=_("Changelog"), widget=forms.Textarea, max_length=50_000)
    migrations = forms.CharField(
        label=_("Migrations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One app.migration per line; empty: every migration no earlier release brought"),
    )
    test_evidence = forms.CharField(
        label=_("Test evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )


class FlagForm(forms.Form):
    name = forms.SlugField(label=_("Flag"), max_length=60)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    release = forms.TypedChoiceField(label=_("Release"), required=False, coerce=int, empty_value=None)
    is_enabled = forms.BooleanField(label=_("On"), required=False)
    percentage = forms.IntegerField(
        label=_("Rollout percentage"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(
            attrs={"type": "range", "min": 0, "max": 100, "step": 1, "data-show-value": ""}
        ),
    )
    merchants = forms.CharField(label=_("Merchant cohort (ids)"), required=False, max_length=20_000)
    buyers = forms.CharField(label=_("Buyer cohort (ids)"), required=False, max_length=20_000)
    staff = forms.CharField(label=_("Staff cohort (ids)"), required=False, max_length=20_000)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("None"))]
        choices += [(row.pk, row.version) for row in releases.releases_list(actor=actor)[:50]]
        self.fields["release"].choices = choices  # type: ignore[attr-defined]

    def _ids(self, field: str) -> list[int]:
        text = self.cleaned_data.get(field, "") or ""
        parts = [part for part in text.replace("，", ",").replace(" ", ",").split(",") if part]
        if not all(part.isascii() and part.isdigit() and 0 < int(part) < 2**53 for part in parts):
            raise forms.ValidationError(_("Ids are whole numbers separated by commas."))
        return sorted({int(part) for part in parts})

    def clean_merchants(self) -> list[int]:
        return self._ids("merchants")

    def clean_buyers(self) -> list[int]:
        return self._ids("buyers")

    def clean_staff(self) -> list[int]:
        return self._ids("staff")


def _ids_text(ids: list[int] | None) -> str:
    return ", ".join(str(i) for i in ids or [])


@login_required
def release_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    table = DataTable(
        request,
        releases.releases_list(actor=actor),
        columns=[
            Column("version", _("Version"), link=lambda r: reverse("ops:release", args=[r.pk])),
            Column("status", _("Status"), kind="badge", display=lambda r: r.get_status_display()),
            Column(
                "reversible",
                _("Migrations"),
                value=lambda r: (
                    (_("all reversible") if r.is_reversible else _("has irreversible"))
                    if r.migrations
                    else _("none")
                ),
            ),
            Column("created_by.username", _("Created by")),
            Column("approved_by.username", _("Approved by")),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
        ],
        search=["version", "changelog"],
        search_placeholder=_("Version or changelog"),
        filters=[Filter("status", _("Status"), ReleaseStatus.choices)],
        default_sort="-created_at",
        empty_title=_("No release yet."),
        empty_hint=_("Plan a release with its version, changelog and test evidence."),
        empty_action_url=reverse("ops:release_new"),
        empty_action_label=_("New release"),
        testid="releases",
    )
    return render(request, "ops/releases.html", {"table": table, "active": "ops_releases"})


@login_required
def release_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = [line.strip() for line in data["migrations"].splitlines() if line.strip()]
        try:
            row = releases.release_create(
                actor=actor,
                version=data["version"],
                changelog=data["changelog"],
                migrations=lines or None,
                test_evidence=data["test_evidence"],
            )
        except DomainError as error:
            _form_errors(request, form, error)
        else:
            messages.success(request, _("Release planned."))
            return redirect("ops:release", row.pk)
    return render(request, "ops/release_new.html", {"form": form, "active": "ops_releases"})


def _form_errors(request: HttpRequest, form: forms.Form, error: DomainError) -> None:
    placed = False
    for item in error.errors:
        field = str(item.loc[-1]) if item.loc else ""
        if field in form.fields:
            form.add_error(field, item.msg)
            placed = True
    if not placed:
        messages.error(request, error.detail)


@login_required
def release_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    try:
        row = releases.release_get(actor=actor, release_id=release_id)
    except DomainError as error:
        raise Http404(error.detail) from error
    steps = [
        {"status": step, "label": label, "style": style, "confirm": confirm}
        for step, (label, style, confirm) in STEP_BUTTONS.items()
        if step in releases.TRANSITIONS[row.status]
    ]
    return render(
        request,
        "ops/release.html",
        {
            "release": row,
            "steps": steps,
            "can_roll_back": ReleaseStatus.ROLLED_BACK in releases.TRANSITIONS[row.status],
            "can_edit_evidence": row.status in {ReleaseStatus.PLANNED, ReleaseStatus.TESTING},
            "flags": row.flags.all(),
            "active": "ops_releases",
        },
    )


@login_required
@require_POST
def release_step(request: HttpRequest, release_id: int) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    action = request.POST.get("status", "")
    try:
        if action == "evidence":
            releases.release_set_evidence(
                actor=actor, release_id=release_id, test_evidence=request.POST.get("test_evidence", "")
            )
            messages.success(request, _("Test evidence recorded."))
        else:
            releases.release_transition(
                actor=actor,
                release_id=release_id,
                status=action,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Release updated."))
    except DomainError as error:
        messages.error(request, error.errors[0].msg if error.errors else error.detail)
    return redirect("ops:release", release_id)


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    _require(request)
    if request.method == "POST":
        form = FlagForm(request.POST, actor=actor)
        if form.is_valid():
            data = form.cleaned_data
            try:
                releases.flag_save(
                    actor=actor,
                    name=data["name"],
                    description=data["description"],
                    release_id=data["release"],
                    is_enabled=data["is_enabled"],
                    percentage=data["percentage"],
                    cohorts={"merchant": data["merchants"], "buyer": data["buyers"], "staff": data["staff"]},
                )
            except DomainError as error:
                _form_errors(request, form, error)
            else:
                messages.success(request, _("Flag saved."))
                return redirect("ops:flags")
        failed_name = request.POST.get("name", "")
    else:
        form, failed_name = None, ""
    rows: list[dict[str, Any]] = []
    for flag in releases.flags_list(actor=actor):
        rows.append(
            {
                "flag": flag,
                "form": form if form is not None and failed_name == flag.name else _edit_form(flag, actor),
            }
        )
    new_form = (
        form
        if form is not None and failed_name not in {row["flag"].name for row in rows}
        else FlagForm(actor=actor)
    )
    return render(request, "ops/flags.html", {"rows": rows, "new_form": new_form, "active": "ops_flags"})


def _edit_form(flag: FeatureFlag, actor: Actor) -> FlagForm:
    cohorts = flag.cohorts or {}
    form = FlagForm(
        actor=actor,
        initial={
            "name": flag.name,
            "description": flag.description,
            "release": flag.release_id or "",
            "is_enabled": flag.is_enabled,
            "percentage": flag.percentage,
            "merchants": _ids_text(cohorts.get("merchant")),
            "buyers": _ids_text(cohorts.get("buyer")),
            "staff": _ids_text(cohorts.get("staff")),
        },
    )
    form.fields["name"].widget = forms.HiddenInput()
    return form
