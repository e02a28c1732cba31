"""The console's category editor: the category's fields and its attribute rows, read into a
:class:`CategoryInput`; the service's field paths (``body.attributes.0.key``) go back under their field."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.catalogue import selectors
from mallops.catalogue.contracts import CategoryInput
from mallops.catalogue.labels import ATTRIBUTE_TYPE, COMPLIANCE_CATEGORY
from mallops.catalogue.models import Category, CertificateKind, ReturnExclusion
from mallops.catalogue.schema import AttributeSpec, spec_of
from mallops.core.errors import FieldError

CHOICE_SPLIT = re.compile(r"[,，、;；\n]+")
EXTRA_ROWS = 3


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Lower-case letters, digits, '-' and '_'; used by imports and the API."),
    )
    parent = forms.ChoiceField(label=_("Parent category"), required=False)
    compliance_category = forms.ChoiceField(
        label=_("Compliance category"),
        choices=list(COMPLIANCE_CATEGORY.items()),
        help_text=_("Which advertising and pricing rules apply to its products."),
    )
    required_certificates = forms.MultipleChoiceField(
        label=_("Required certificates"),
        choices=CertificateKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    default_return_exclusion = forms.ChoiceField(
        label=_("Default return exclusion"),
        choices=[("", _("None: 7-day no-reason return applies")), *ReturnExclusion.choices],
        required=False,
    )
    is_active = forms.BooleanField(label=_("Takes new products"), required=False, initial=True)

    def __init__(self, *args: Any, exclude_pk: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = selectors.category_tree()
        self.fields["parent"].choices = [("", _("None (top level)"))] + [  # type: ignore[attr-defined]
            (str(c.pk), "　" * depth + c.name) for c, depth in rows if c.pk != exclude_pk
        ]


class AttributeRowForm(forms.Form):
    label = forms.CharField(label=_("Name (Chinese)"), max_length=40, required=False)
    key = forms.CharField(label=_("Key"), max_length=40, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=list(ATTRIBUTE_TYPE.items()), initial="text")
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False)
    choices = forms.CharField(label=_("Choices (separated by 、)"), max_length=2000, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not str(data.get("label", "")).strip() and not str(data.get("key", "")).strip()


AttributeFormSet = forms.formset_factory(AttributeRowForm, extra=EXTRA_ROWS, max_num=60, absolute_max=60)


def initial_for(category: Category) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    form = {
        "name": category.name,
        "code": category.code,
        "parent": str(category.parent_id or ""),
        "compliance_category": category.compliance_category,
        "required_certificates": list(category.required_certificates),
        "default_return_exclusion": category.default_return_exclusion,
        "is_active": category.is_active,
    }
    rows = []
    for raw in category.required_attributes:
        spec = spec_of(raw)
        rows.append(
            {
                "label": spec.label,
                "key": spec.key,
                "type": spec.type,
                "required": spec.required,
                "unit": spec.unit,
                "choices": "、".join(spec.choices),
            }
        )
    return form, rows


def to_input(form: CategoryForm, formset: Any) -> tuple[CategoryInput, list[int]]:
    """The input described by the valid form and formset, and for each attribute its formset row."""
    data = form.cleaned_data
    specs: list[AttributeSpec] = []
    rows: list[int] = []
    for index, row in enumerate(formset.forms):
        if row.is_blank():
            continue
        cleaned = row.cleaned_data
        specs.append(
            AttributeSpec(
                key=cleaned["key"].strip(),
                label=cleaned["label"].strip(),
                type=cleaned["type"],
                required=bool(cleaned["required"]),
                unit=cleaned["unit"].strip(),
                choices=tuple(c.strip() for c in CHOICE_SPLIT.split(cleaned["choices"]) if c.strip()),
            )
        )
        rows.append(index)
    parent = data.get("parent") or ""
    return (
        CategoryInput(
            code=data["code"].strip(),
            name=data["name"],
            parent_id=int(parent) if parent else None,
            compliance_category=data["compliance_category"],
            attributes=specs,
            required_certificates=list(data["required_certificates"]),
            default_return_exclusion=data.get("default_return_exclusion") or "",
            is_active=bool(data.get("is_active")),
        ),
        rows,
    )


FORM_FIELD_OF = {"parent_id": "parent"}


def add_errors(form: CategoryForm, formset: Any, rows: list[int], errors: list[FieldError]) -> None:
    """Put each service error under its field (an attribute's under its row), the rest on top."""
    for error in errors:
        loc = [p for p in error.loc if p != "body"]
        if len(loc) >= 3 and loc[0] == "attributes" and isinstance(loc[1], int) and loc[1] < len(rows):
            row = formset.forms[rows[loc[1]]]
            name = str(loc[2])
            row.add_error(name if name in row.fields else None, error.msg)
            continue
        name = FORM_FIELD_OF.get(str(loc[0]), str(loc[0])) if loc else ""
        form.add_error(name if name in form.fields else None, error.msg)
