"""The ops app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class OpsCode(ProblemCode):
    ACTION_ALREADY_DONE = "action_already_done", "The action item is already done.", "该改进项已完成"
    DRILL_ALREADY_RECORDED = "drill_already_recorded", "The drill is already recorded.", "该演练已记录"
    INCIDENT_BAD_TRANSITION = (
        "incident_bad_transition",
        "The incident cannot move to that status.",
        "故障不能变更到该状态",
    )
    INCIDENT_NOT_CLOSABLE = (
        "incident_not_closable",
        "The incident lacks what closing needs.",
        "故障缺少关闭所需的信息",
    )
    RELEASE_EVIDENCE_FIXED = (
        "release_evidence_fixed",
        "The evidence is fixed once the release is approved.",
        "发布审批后测试证据不可再改",
    )
    RELEASE_EVIDENCE_MISSING = (
        "release_evidence_missing",
        "Record the test evidence before approving.",
        "请先记录测试证据再审批",
    )
    RELEASE_SELF_APPROVAL = (
        "release_self_approval",
        "A second person approves a release, not its creator.",
        "发布须由创建人以外的人审批",
    )
    RELEASE_TRANSITION_INVALID = (
        "release_transition_invalid",
        "The release cannot move to that status.",
        "发布不能变更到该状态",
    )
    SUPPORT_ALREADY_LINKED = (
        "support_already_linked",
        "The ticket is already linked to an incident.",
        "该支持工单已关联故障",
    )
    SUPPORT_BAD_TRANSITION = (
        "support_bad_transition",
        "The support ticket cannot move to that status.",
        "支持工单不能变更到该状态",
    )
    SUPPORT_NOT_ESCALATABLE = (
        "support_not_escalatable",
        "Only a P1 or P2 fault becomes an incident.",
        "只有 P1 或 P2 级故障可以升级为故障事件",
    )
    SUPPORT_TICKET_CLOSED = "support_ticket_closed", "The support ticket is closed.", "支持工单已关闭"
