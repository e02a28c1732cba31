"""The seed SLA policies (R5.1.2, R5.1.4, R5.2.3, R6.3.1); supervisors edit them afterwards as data.
The seed labels are marked for translation: the console shows them in Chinese (an edited label as typed).

Bases follow ``mallops.workdays`` decisions: desk-staffed clocks (first response, technical support)
count business hours 09:00-18:00 on working days; promises to buyers and incident clocks count calendar
time; the follow-up visit is due at the end of the 3rd working day after resolution.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

SEED_POLICIES: list[dict[str, Any]] = [
    {"code": "first_response", "label": gettext_noop("First response 15 min"), "target": "first_response",
     "basis": "business_hours", "minutes": 15, "warning_lead_minutes": 5},
    {"code": "complaint_acceptance", "label": gettext_noop("Complaint accepted within 24 h"), "target": "first_response",
     "category": "complaint", "basis": "calendar_hours", "minutes": 24 * 60, "warning_lead_minutes": 240},
    {"code": "technical_support", "label": gettext_noop("Technical support response 4 h"), "target": "first_response",
     "category": "technical", "basis": "business_hours", "minutes": 240, "warning_lead_minutes": 60},
    {"code": "major_fault", "label": gettext_noop("Major fault response 2 h"), "target": "first_response",
     "category": "major_fault", "basis": "calendar_hours", "minutes": 120, "warning_lead_minutes": 30},
    {"code": "initial_answer", "label": gettext_noop("Initial answer for complex issues 24 h"), "target": "initial_answer",
     "basis": "calendar_hours", "minutes": 24 * 60, "warning_lead_minutes": 240},
    {"code": "resolution", "label": gettext_noop("Resolution 48 h"), "target": "resolution",
     "basis": "calendar_hours", "minutes": 48 * 60, "warning_lead_minutes": 480},
    {"code": "complaint_handling", "label": gettext_noop("Complaint handled within 72 h"), "target": "resolution",
     "category": "complaint", "basis": "calendar_hours", "minutes": 72 * 60, "warning_lead_minutes": 720},
    {"code": "resolution_special", "label": gettext_noop("Special case 72 h (customer told in advance)"),
     "target": "resolution", "special": True, "notify_customer": True, "basis": "calendar_hours",
     "minutes": 72 * 60, "warning_lead_minutes": 720},
    {"code": "follow_up", "label": gettext_noop("Follow-up visit within 3 working days"), "target": "follow_up",
     "basis": "working_days", "working_days": 3},
]  # fmt: skip
