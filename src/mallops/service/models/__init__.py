"""Customer service data, one module per part of the domain (choices, configuration, tickets,
procedures, complaints); every model and constant is re-exported here, so ``mallops.service.models`` keeps working.

Split from one 640-line module (ADR 0006); no migration changed: a model's module path is not part of
its migration state.
"""

from __future__ import annotations

from mallops.service.models.choices import (
    OPEN_STATUSES,
    Category,
    Channel,
    ComplaintSeverity,
    Priority,
    Status,
    Target,
)
from mallops.service.models.complaints import (
    RegulatorFollowUp,
    RegulatorReport,
)
from mallops.service.models.configuration import (
    AgentProfile,
    EscalationTarget,
    ReplyTemplate,
    SlaPolicy,
)
from mallops.service.models.procedures import (
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    TicketStep,
    TrainingRecord,
)
from mallops.service.models.tickets import (
    EVENT_LABELS,
    Notification,
    ProblemGroup,
    ServiceTask,
    Ticket,
    TicketEvent,
    TicketPause,
    TicketRating,
    TicketSla,
)

__all__ = [
    "EVENT_LABELS",
    "OPEN_STATUSES",
    "AgentProfile",
    "Category",
    "Channel",
    "ComplaintSeverity",
    "EscalationTarget",
    "Notification",
    "Priority",
    "ProblemGroup",
    "Procedure",
    "ProcedureStep",
    "ProcedureVersion",
    "RegulatorFollowUp",
    "RegulatorReport",
    "ReplyTemplate",
    "ServiceTask",
    "SlaPolicy",
    "Status",
    "Target",
    "Ticket",
    "TicketEvent",
    "TicketPause",
    "TicketRating",
    "TicketSla",
    "TicketStep",
    "TrainingRecord",
]
