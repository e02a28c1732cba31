"""Shared pieces of the configuration pages: the permission check, labels and error messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.core.errors import DomainError
from mallops.service import configuration
from mallops.service.models import (
    Category,
    Target,
)
from mallops.workdays.engine import ClockBasis

SUPERVISE = "ticket.supervise"
CATEGORY_LABELS = dict(Category.choices)
BASIS_LABELS = {
    ClockBasis.CALENDAR_HOURS.value: gettext_lazy("Calendar time (around the clock)"),
    ClockBasis.BUSINESS_HOURS.value: gettext_lazy("Business hours on working days"),
    ClockBasis.WORKING_DAYS.value: gettext_lazy("Whole working days"),
}
TARGET_LABELS = {
    Target.FIRST_RESPONSE.value: gettext_lazy("First response"),
    Target.INITIAL_ANSWER.value: gettext_lazy("Initial answer (complex issue)"),
    Target.RESOLUTION.value: gettext_lazy("Resolution"),
    Target.FOLLOW_UP.value: gettext_lazy("Follow-up visit"),
}


def _need(request: HttpRequest, permission: str = SUPERVISE) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _message(problem: Any) -> str:
    """A service's field error in the reader's language."""
    if problem.code == "unknown_variable":
        return _("Unknown variable; a reply may use %(allowed)s.") % {
            "allowed": "、".join("{" + v + "}" for v in configuration.VARIABLES)
        }
    if problem.code == "compliance_blocked":
        return _("Breaks content rules: %(text)s") % {"text": problem.msg}
    if problem.code == "not_an_agent":
        return _("Needs the CS agent or CS supervisor role.")
    if problem.code == "wrong_store":
        return _("A store member works for their own store.")
    if problem.code == "duplicate":
        return _("This user already has a profile.")
    if problem.code == "required":
        return _("This field is required.")
    return _(problem.msg)


def _form_errors(form: forms.Form, error: DomainError) -> None:
    for problem in error.errors or []:
        name = str(problem.loc[-1]) if problem.loc else ""
        form.add_error(name if name in form.fields else None, _message(problem))
    if not error.errors:
        form.add_error(None, _(error.detail))
