"""``dsr.overdue``: open data-subject requests past ``due_at`` are escalated once (``escalate_due_at``)."""

from __future__ import annotations

from mallops.core.sweeps import register
from mallops.dsr.models import DataSubjectRequest, RequestStatus
from mallops.dsr.requests import request_escalate_due

register(
    "dsr.overdue",
    queryset=lambda now: DataSubjectRequest.objects.filter(
        status=RequestStatus.OPEN, escalate_due_at__lte=now
    ),
    handle=request_escalate_due,
)
