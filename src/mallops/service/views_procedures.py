"""Console pages for standard procedures (R5.1.5, R8.4.1) and training records (R8.2.1).

``/service/procedures/``: every agent reads the procedures, their owners, versions and steps;
supervisors (``ticket.supervise``) create them, change owners, write and publish versions.
``/service/training/``: the supervisor's agent x procedure matrix and the form to record a training.
The same services as the API do the writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.service import procedures, training
from mallops.service.models import Category, Procedure, TrainingRecord
from mallops.service.views import error_message

# ticket categories as the console names them (the model's translated labels)
CATEGORY_LABELS = {c: c.label for c in Category}


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _int(value: Any) -> int | None:
    return int(value) if is_ascii_digits(str(value or "").strip()) else None


def parse_steps(text: str) -> list[dict[str, Any]]:
    """One step per line, ``title | guidance``; a line starting with ``?`` is an optional step."""
    steps = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        optional = line.startswith("?")
        title, _sep, guidance = line.lstrip("?").partition("|")
        steps.append({"title": title.strip(), "guidance": guidance.strip(), "is_required": not optional})
    return steps


@login_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.handle")
    from django.db.models import Count, Max, Q

    from mallops.console.lists import Column, DataTable, Filter

    owners = procedures.possible_owners()
    table = DataTable(
        request,
        Procedure.objects.select_related("owner").annotate(
            version_count=Count("versions"),
            current_number=Max("versions__number", filter=Q(versions__state="published")),
        ),
        columns=[
            Column("name", _("Procedure"), sort="name", link=lambda p: f"#procedure-{p.code}"),
            Column("owner", _("Owner"), sort="owner__username", value=lambda p: p.owner.username),
            Column(
                "categories",
                _("Ticket categories"),
                value=lambda p: "、".join(
                    str(CATEGORY_LABELS[Category(c)]) for c in p.categories if c in Category.values
                ),
            ),
            Column("pass_mark", _("Pass mark"), kind="number", sort="pass_mark"),
            Column(
                "current_number",
                _("Current version"),
                kind="badge",
                value=lambda p: "published" if p.current_number else "none",
                display=lambda p: p.current_number or _("none (not in force)"),
                tone=lambda p: "success" if p.current_number else "danger",
            ),
            Column("version_count", _("Versions"), kind="number", sort="version_count"),
            Column(
                "resolve_requires_training",
                _("only agents who passed may resolve"),
                value=lambda p: _("Yes") if p.resolve_requires_training else _("No"),
            ),
        ],
        search=["name", "code", "owner__username"],
        search_placeholder=_("Procedure or owner"),
        filters=[
            Filter("owner", _("Owner"), [(u.pk, u.username) for u in owners], lookup="owner_id"),
            Filter(
                "resolve_requires_training",
                _("only agents who passed may resolve"),
                [("True", _("Yes")), ("False", _("No"))],
            ),
        ],
        default_sort="name",
        page_size=50,
        testid="procedures",
        row_testid="procedure-row-{key}",
        empty_title=_("No procedures yet."),
        empty_hint=_("Set up the standard procedures or create one below.")
        if request.user.has_perm("ticket.supervise")
        else _("A supervisor sets up the procedures."),
    )
    # each procedure on this page keeps its card below the table: versions, steps and the edit forms
    rows: list[dict[str, Any]] = []
    for procedure in table.page.object_list:
        versions = list(procedure.versions.prefetch_related("steps").order_by("-number"))
        rows.append(
            {
                "procedure": procedure,
                "categories": [
                    str(CATEGORY_LABELS[Category(c)]) for c in procedure.categories if c in Category.values
                ],
                "current": next((v for v in versions if v.state == "published"), None),
                "versions": [(v, len(training.trained_user_ids(v))) for v in versions],
            }
        )
    existing = set(Procedure.objects.values_list("code", flat=True))
    return render(
        request,
        "service/procedures.html",
        {
            "active": "service_procedures",
            "table": table,
            "rows": rows,
            "owners": owners,
            "categories": [(c.value, str(CATEGORY_LABELS[c])) for c in Category],
            "missing_standard": [s["name"] for s in procedures.STANDARD if s["code"] not in existing],
            "can_edit": request.user.has_perm("ticket.supervise"),
        },
    )


_ACTIONS: dict[str, Callable[[Any, str, Any], Any]] = {
    "settings": lambda actor, code, p: procedures.procedure_update(
        actor=actor,
        code=code,
        changes={
            "owner_id": _int(p.get("owner_id")),
            "pass_mark": _int(p.get("pass_mark")),
            "resolve_requires_training": p.get("resolve_requires_training") == "on",
        },
    ),
    "version": lambda actor, code, p: procedures.procedure_version_create(
        actor=actor,
        code=code,
        steps=parse_steps(p.get("steps", "")),
        change_note=p.get("change_note", ""),
        publish=p.get("publish") == "on",
    ),
    "publish": lambda actor, code, p: procedures.procedure_version_publish(
        actor=actor, code=code, number=_int(p.get("number")) or 0
    ),
    "retire": lambda actor, code, p: procedures.procedure_version_retire(
        actor=actor, code=code, number=_int(p.get("number")) or 0
    ),
}


def _run(request: HttpRequest, call: Callable[[], Any]) -> None:
    try:
        call()
    except DomainError as error:
        if error.status == 404:
            raise Http404(error.detail) from error
        messages.error(request, error_message(error))
    else:
        messages.success(request, _("Saved."))


@login_required
@require_POST
def procedure_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    _need(request, "ticket.supervise")
    handler = _ACTIONS.get(action)
    if handler is None:
        raise Http404(action)
    _run(request, lambda: handler(request_actor(request), code, request.POST))
    return redirect("service:procedures")


@login_required
@require_POST
def procedure_create(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.supervise")
    post = request.POST
    if post.get("standard") == "1":
        _run(
            request,
            lambda: procedures.procedures_install_standard(
                actor=request_actor(request), owner_id=_int(post.get("owner_id"))
            ),
        )
    else:
        _run(
            request,
            lambda: procedures.procedure_create(
                actor=request_actor(request),
                code=post.get("code", ""),
                name=post.get("name", ""),
                categories=post.getlist("categories"),
                owner_id=_int(post.get("owner_id")),
                pass_mark=_int(post.get("pass_mark")) or 0,
                resolve_requires_training=post.get("resolve_requires_training") == "on",
                steps=parse_steps(post.get("steps", "")),
                publish=post.get("publish") == "on",
            ),
        )
    return redirect("service:procedures")


_STATUS_LABELS = {
    "trained": gettext_lazy("Trained"),
    "failed": gettext_lazy("Failed the assessment"),
    "retrain": gettext_lazy("Retraining needed"),
    "untrained": gettext_lazy("Not trained"),
    "not_in_force": gettext_lazy("No published version"),
}


@login_required
def training_page(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.supervise")
    from mallops.console.lists import Column, DataTable, DateRange, Filter

    matrix = training.training_matrix()
    labels = {k: str(v) for k, v in _STATUS_LABELS.items()}
    records = DataTable(
        request,
        TrainingRecord.objects.select_related("user", "version__procedure", "recorded_by"),
        columns=[
            Column("completed_at", _("Completed at"), kind="datetime", sort="completed_at"),
            Column("user", _("Agent"), sort="user__username", value=lambda r: r.user.username),
            Column(
                "procedure",
                _("Procedure"),
                value=lambda r: f"{r.version.procedure.name} v{r.version.number}",
            ),
            Column("score", _("Score"), kind="number", sort="score"),
            Column(
                "passed",
                _("Result"),
                kind="badge",
                value=lambda r: "passed" if r.passed else "failed",
                display=lambda r: _("passed") if r.passed else _("failed"),
            ),
            Column(
                "recorded_by",
                _("Recorded by"),
                value=lambda r: r.recorded_by.username if r.recorded_by else None,
            ),
            Column("note", _("Note")),
        ],
        search=["user__username", "version__procedure__name", "note"],
        search_placeholder=_("Agent, procedure or note"),
        filters=[
            Filter(
                "procedure",
                _("Procedure"),
                [(p.code, p.name) for p, _version in matrix.procedures],
                lookup="version__procedure__code",
            ),
            Filter("passed", _("Result"), [("True", _("passed")), ("False", _("failed"))]),
        ],
        date_range=DateRange("completed_at", _("Completed at")),
        default_sort="-completed_at",
        page_size=50,
        export_name="training-records",
        testid="training-records",
        row_testid="training-{key}",
        empty_title=_("No training recorded yet."),
        empty_hint=_("Record a training with the form above."),
    )
    if records.export_format:
        return records.export_response()
    return render(
        request,
        "service/training.html",
        {
            "active": "service_training",
            "matrix": matrix,
            "rows": [(row, [(c, labels[c.status]) for c in row.cells]) for row in matrix.rows],
            "table": records,
        },
    )


@login_required
@require_POST
def training_create(request: HttpRequest) -> HttpResponse:
    _need(request, "ticket.supervise")
    post = request.POST
    completed = parse_datetime(post.get("completed_at", "")) if post.get("completed_at") else None
    score = _int(post.get("score"))
    _run(
        request,
        lambda: training.training_record(
            actor=request_actor(request),
            user_id=_int(post.get("user_id")) or 0,
            procedure_code=post.get("procedure", ""),
            version_number=_int(post.get("version")),
            score=-1 if score is None else score,
            completed_at=completed,
            note=post.get("note", ""),
        ),
    )
    return redirect("service:training")
