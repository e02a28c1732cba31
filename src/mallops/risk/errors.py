"""The risk app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class RiskCode(ProblemCode):
    NOT_ALERT_OWNER = (
        "not_alert_owner",
        "Only the alert's owner can acknowledge it.",
        "只有预警负责人可以确认",
    )
    RISK_ALERT_CLOSED = "risk_alert_closed", "The alert is already acknowledged.", "预警已确认"
    RISK_BLOCKED = "risk_blocked", "A risk rule blocks this action.", "风控规则拦截了该操作"
    RISK_CODE_TAKEN = "risk_code_taken", "The code is already in the risk register.", "该编号已在风险登记册中"
    RISK_DECISION_CLOSED = "risk_decision_closed", "The risk decision is already closed.", "风控决定已处理"
