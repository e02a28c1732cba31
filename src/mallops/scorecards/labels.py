"""Words for the scorecard codes (the console shows these, never the codes)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.scorecards.models import PeriodKindChoice, RunStatus

KPI_LABELS: dict[str, Any] = {
    "listing_reviewer.turnaround_minutes": _("Review turnaround (median minutes)"),
    "listing_reviewer.decisions": _("Review decisions"),
    "listing_reviewer.reversal_rate": _("Reversal rate of approvals"),
    "cs_agent.first_response_sla": _("First-response SLA attainment"),
    "cs_agent.csat": _("Customer satisfaction (CSAT)"),
    "cs_agent.resolved": _("Tickets resolved"),
    "content_ops.moderation_handled": _("Moderation items handled"),
    "content_ops.tasks_on_time": _("Tasks closed on time"),
    "user_ops.tasks_on_time": _("Tasks closed on time"),
    "user_ops.conversion_rate": _("Conversion rate"),
    "product_ops.tasks_on_time": _("Tasks closed on time"),
    "product_ops.gmv_fen": _("GMV"),
    "data_ops.tasks_on_time": _("Tasks closed on time"),
    "tech_ops.tasks_on_time": _("Tasks closed on time"),
    "tech_ops.incidents_in_target": _("Incidents resolved within target"),
}

ROLE_LABELS: dict[str, Any] = {
    "listing_reviewer": _("Listing reviewers"),
    "cs_agent": _("CS agents"),
    "content_ops": _("Content operations"),
    "user_ops": _("User operations"),
    "product_ops": _("Product operations"),
    "data_ops": _("Data operations"),
    "tech_ops": _("Technical operations"),
}

LABELS: dict[str, Any] = {
    "kpi": KPI_LABELS,
    "role": ROLE_LABELS,
    "status": RunStatus,
    "period": PeriodKindChoice,
}

FIELDS: dict[str, Any] = {
    "kpi": _("KPI"),
    "target": _("Target"),
    "bands": _("Bands"),
    "threshold": _("Threshold"),
    "points": _("Points"),
    "role": _("Team"),
    "period_kind": _("Period"),
    "day": _("Day"),
}
