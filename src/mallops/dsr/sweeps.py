"""``dsr.overdue``: open data-subject requests past ``due_at`` are escalated once (``escalate_due_at``).
``dsr.hold_release``: records frozen after a deletion request are erased when their hold ends.
``dsr.retention.<rule>``: data past its retention period is deleted or anonymised (``dsr.retention``)."""

from __future__ import annotations

from mallops.core.sweeps import register
from mallops.dsr.models import DataSubjectRequest, PersonalDataHold, RequestStatus
from mallops.dsr.requests import hold_release_due, request_escalate_due
from mallops.dsr.retention import register_sweeps

register(
    "dsr.overdue",
    queryset=lambda now: DataSubjectRequest.objects.filter(
        status=RequestStatus.OPEN, escalate_due_at__lte=now
    ),
    handle=request_escalate_due,
)

register(
    "dsr.hold_release",
    queryset=lambda now: PersonalDataHold.objects.filter(release_due_at__lte=now),
    handle=hold_release_due,
)

# ``dsr.retention.<rule>``: personal data past its declared retention period is erased (dsr/retention.py)
register_sweeps()
