"""``{{ value|as_label:"status" }}``: an after-sales code as the console names it (the choices' translated
label); the API and the request detail keep the codes."""

from __future__ import annotations

from django import template
from django.db import models

from mallops.aftersales.models import (
    Classification,
    DisputeCategory,
    DisputeStatus,
    Kind,
    Outcome,
    Party,
    Ruling,
    Status,
)

register = template.Library()

_CHOICES: dict[str, type[models.TextChoices]] = {
    "kind": Kind,
    "classification": Classification,
    "status": Status,
    "outcome": Outcome,
    "dispute_category": DisputeCategory,
    "dispute_status": DisputeStatus,
    "ruling": Ruling,
    "party": Party,
}


@register.filter
def as_label(value: object, field: str) -> str:
    choices = _CHOICES[field]
    code = str(value if value is not None else "")
    return str(choices(code).label) if code in choices.values else code
