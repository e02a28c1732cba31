"""What the console shows for customer-service codes (read by ``mallops.core.words``)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mallops.service.models import Category

CSAT_DIMENSION = {
    "speed": _("Response speed"),
    "efficiency": _("Efficiency"),
    "quality": _("Solution quality"),
    "attitude": _("Attitude"),
}
# the buyer's stage in the agent's CRM view (service.selectors.customer_profile)
CUSTOMER_LIFECYCLE = {
    "new": _("New customer"),
    "repeat": _("Repeat customer"),
    "frequent": _("Frequent customer"),
    "at risk": _("At risk"),
}

# what a ticket action did, for the flash message after it (console ticket pages)
ACTION_DONE = {
    "reply": _("Reply sent to the customer."),
    "note": _("Internal note added."),
    "pause": _("Ticket paused."),
    "resume": _("Ticket resumed."),
    "extend": _("Deadline extended."),
    "resolve": _("Ticket resolved."),
    "followup": _("Follow-up visit recorded."),
    "escalate": _("Ticket escalated."),
    "assign": _("Ticket assigned."),
    "take": _("You took the ticket."),
    "step": _("Checklist step updated."),
    "explain": _("Reason and proposed solution recorded."),
    "report": _("Regulator report recorded."),
    "report_followup": _("Follow-up recorded."),
}


class _TaskTitles:
    """Follow-up task titles are stored in English as the services wrote them (the record stays as
    written); pages show them in the reader's language. ``get`` answers like a label table."""

    PATTERNS = (
        (
            re.compile(
                r"^(?P<number>\S+): satisfaction (?P<score>[\d.]+) — (?P<kind>second service|compensation)$"
            ),
            _("%(number)s: satisfaction %(score)s — %(kind)s"),
        ),
        (
            re.compile(
                r"^(?P<number>\S+): serious complaint — management review, regulator reporting check$"
            ),
            _("%(number)s: serious complaint — management review, regulator reporting check"),
        ),
        (re.compile(r"^(?P<number>\S+): follow-up visit overdue$"), _("%(number)s: follow-up visit overdue")),
        # escalation reasons written by the services (timeline bodies)
        (re.compile(r"^serious complaint received$"), _("serious complaint received")),
        (re.compile(r"^SLA breached: (?P<names>.+)$"), _("SLA breached: %(names)s")),
        (
            re.compile(r"^(?P<number>\S+): regulator report follow-up due$"),
            _("%(number)s: regulator report follow-up due"),
        ),
        # escalation task titles: "<ticket number>: <reason>"
        (
            re.compile(r"^(?P<number>T\d{8}[0-9A-F]{6}): serious complaint received$"),
            _("%(number)s: serious complaint received"),
        ),
        (
            re.compile(r"^(?P<number>T\d{8}[0-9A-F]{6}): SLA breached: (?P<names>.+)$"),
            _("%(number)s: SLA breached: %(names)s"),
        ),
        (
            re.compile(r"^(?P<number>\S+): reason and proposed solution needed$"),
            _("%(number)s: reason and proposed solution needed"),
        ),
        (
            re.compile(r"^(?P<number>\S+): serious complaint escalated to management$"),
            _("%(number)s: serious complaint escalated to management"),
        ),
    )

    def get(self, title: str) -> str | None:
        for pattern, template in self.PATTERNS:
            match = pattern.match(title)
            if match:
                values = match.groupdict()
                if "kind" in values:
                    values["kind"] = gettext(values["kind"])  # the task kind's own label msgid
                if "names" in values:  # SLA policy labels (seed labels are msgids)
                    values["names"] = "、".join(gettext(n) for n in values["names"].split(", "))
                return str(template) % values
        return None


# field names of the service's errors as the console names them (``mallops.core.words.field_label``)
FIELDS = {
    "summary": _("resolution summary"),
    "unresolved_reason": _("Reason not resolved"),
    "proposed_solution": _("Proposed solution"),
    "regulator": _("Regulator"),
    "reported_at": _("Reported at"),
    "reference": _("Reference number"),
    "skills": _("Skills"),
    "max_open": _("Capacity (open tickets)"),
    "merchant_id": _("Store scope"),
    "user_id": _("CS user"),
    "keywords": _("Keywords"),
}

# change notes the services write themselves (a person's own notes show as typed)
CHANGE_NOTE = {"first version": _("first version")}

LABELS: dict[str, Any] = {
    "change_note": CHANGE_NOTE,
    "category": Category,  # ticket categories; also an agent's skills and a procedure's categories
    "csat_dimension": CSAT_DIMENSION,
    "customer_lifecycle": CUSTOMER_LIFECYCLE,
    "task_title": _TaskTitles(),
    "action_done": ACTION_DONE,
}
