"""Console pages of the catalogue app: the category tree and its editor (platform, ``catalogue.manage``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mallops.accounts.actors import request_actor
from mallops.catalogue import selectors, services
from mallops.catalogue.category_forms import (
    AttributeFormSet,
    CategoryForm,
    add_errors,
    initial_for,
    to_input,
)
from mallops.catalogue.labels import COMPLIANCE_CATEGORY
from mallops.catalogue.models import Category
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.core.words import label

PERMISSION = "catalogue.manage"


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)


def _tree_queryset() -> tuple[QuerySet[Category], dict[int, int]]:
    """All categories with a ``tree_position`` to sort by (depth-first), and each one's depth."""
    rows = selectors.category_tree()
    depth = {c.pk: d for c, d in rows}
    position = Case(
        *[When(pk=c.pk, then=Value(i)) for i, (c, _d) in enumerate(rows)],
        default=Value(len(rows)),
        output_field=IntegerField(),
    )
    return selectors.categories().annotate(tree_position=position), depth


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    queryset, depth = _tree_queryset()
    table = DataTable(
        request,
        queryset,
        columns=[
            Column(
                "name",
                _("Category"),
                sort="tree_position",
                value=lambda c: "　" * depth.get(c.pk, 0) + ("└ " if depth.get(c.pk) else "") + c.name,
                link=lambda c: reverse("catalogue:category_edit", args=[c.pk]),
            ),
            Column(
                "compliance_category",
                _("Compliance category"),
                value=lambda c: label(c.compliance_category, "catalogue.compliance_category"),
            ),
            Column(
                "attributes",
                _("Attributes (required / all)"),
                value=lambda c: f"{len(c.effective_schema()[0])} / {len(c.attribute_specs())}",
            ),
            Column(
                "certificates",
                _("Required certificates"),
                value=lambda c: "、".join(
                    label(k, "catalogue.certificate_kind") for k in c.effective_schema()[1]
                ),
            ),
            Column(
                "is_active",
                _("Status"),
                kind="badge",
                display=lambda c: _("Active") if c.is_active else _("Disabled"),
                tone=lambda c: "success" if c.is_active else "neutral",
            ),
        ],
        search=["name", "code"],
        search_placeholder=_("Name or code"),
        filters=[
            Filter("compliance_category", _("Compliance category"), list(COMPLIANCE_CATEGORY.items())),
            Filter("is_active", _("Status"), [("True", _("Active")), ("False", _("Disabled"))]),
        ],
        default_sort="tree_position",
        page_size=100,
        export_name="categories",
        testid="categories",
        empty_title=_("No categories yet."),
        empty_hint=_("Create the first category, then its subcategories."),
        empty_action_url=reverse("catalogue:category_new"),
        empty_action_label=_("New category"),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "catalogue/categories.html", {"active": "categories", "table": table})


def _editor(request: HttpRequest, category: Category | None) -> HttpResponse:
    _require(request)
    exclude = category.pk if category else None
    if request.method == "POST":
        form = CategoryForm(request.POST, exclude_pk=exclude)
        formset = AttributeFormSet(request.POST, prefix="attr")
        if form.is_valid() and formset.is_valid():
            data, rows = to_input(form, formset)
            try:
                if category is None:
                    saved = services.category_create(actor=request_actor(request), data=data)
                    messages.success(request, _("Category created."))
                else:
                    saved = services.category_update(
                        actor=request_actor(request), category_id=category.pk, data=data
                    )
                    messages.success(request, _("Category saved."))
                return redirect("catalogue:category_edit", category_id=saved.pk)
            except DomainError as exc:
                add_errors(form, formset, rows, list(exc.errors))
                if not exc.errors:
                    form.add_error(None, exc.detail)
        status = 422
    else:
        if category is None:
            parent = str(request.GET.get("parent", ""))
            form = CategoryForm(initial={"is_active": True, "parent": parent}, exclude_pk=exclude)
            formset = AttributeFormSet(prefix="attr")
        else:
            initial, rows_initial = initial_for(category)
            form = CategoryForm(initial=initial, exclude_pk=exclude)
            formset = AttributeFormSet(initial=rows_initial, prefix="attr")
        status = 200
    inherited: list[Any] = []
    if category is not None and category.parent is not None:
        inherited = category.parent.attribute_specs()
    context = {
        "active": "categories",
        "category": category,
        "form": form,
        "formset": formset,
        "inherited": inherited,
        "subcategory_url": f"{reverse('catalogue:category_new')}?parent={category.pk}" if category else "",
        "inherited_certificates": category.parent.effective_schema()[1]
        if category is not None and category.parent is not None
        else [],
    }
    return render(request, "catalogue/category_form.html", context, status=status)


@login_required
def category_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    _require(request)
    category = selectors.categories().filter(pk=category_id).first()
    if category is None:
        raise Http404
    return _editor(request, category)
