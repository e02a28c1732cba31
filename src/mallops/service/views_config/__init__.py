"""Console pages that configure customer service on a fresh install (``ticket.supervise``):
agent profiles (routing), the reply library (suggestions), SLA policies and the management role that
receives serious complaints. The same services as the API do the writes.

One module per page group (agents, replies, sla, escalation); the views are re-exported here for
``service/console_urls.py`` (split from one 675-line module, ADR 0006).
"""

from __future__ import annotations

from mallops.service.views_config.agents import (
    AgentProfileForm,
    agent_edit,
    agent_list,
)
from mallops.service.views_config.common import (
    BASIS_LABELS,
    CATEGORY_LABELS,
    SUPERVISE,
    TARGET_LABELS,
)
from mallops.service.views_config.escalation import (
    complaint_action,
    escalation_targets,
)
from mallops.service.views_config.replies import (
    ReplyTemplateForm,
    reply_edit,
    reply_list,
)
from mallops.service.views_config.sla import (
    SlaPolicyForm,
    SlaPolicyNewForm,
    describe_policy,
    sla_edit,
    sla_list,
    sla_new,
)

__all__ = [
    "BASIS_LABELS",
    "CATEGORY_LABELS",
    "SUPERVISE",
    "TARGET_LABELS",
    "AgentProfileForm",
    "ReplyTemplateForm",
    "SlaPolicyForm",
    "SlaPolicyNewForm",
    "agent_edit",
    "agent_list",
    "complaint_action",
    "describe_policy",
    "escalation_targets",
    "reply_edit",
    "reply_list",
    "sla_edit",
    "sla_list",
    "sla_new",
]
