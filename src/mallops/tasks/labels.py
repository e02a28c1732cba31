"""Words for the task codes (the console shows these, never the codes)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.tasks.models import Kind, Status, TaskNotice, Team

LABELS: dict[str, Any] = {
    "team": Team,
    "kind": Kind,
    "status": Status,
    "notice": TaskNotice.Kind,
}

FIELDS: dict[str, Any] = {
    "team": _("Team"),
    "assignee_id": _("Assignee"),
    "assignee": _("Assignee"),
    "detail": _("Details"),
    "outcome": _("Outcome"),
    "due_at": _("Due"),
    "body": _("Comment"),
}
