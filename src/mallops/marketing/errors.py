"""The marketing app's problem codes: the ``code`` of its problem+json answers (values never change)."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class MarketingCode(ProblemCode):
    CHANNEL_EXISTS = (
        "channel_exists",
        "A channel with this code or UTM source exists.",
        "渠道编码或 UTM 来源已存在",
    )
    CHANNEL_NOT_FOUND = "channel_not_found", "No such channel.", "渠道不存在"
    STRATEGY_NOT_FOUND = "strategy_not_found", "No such strategy.", "营销策略不存在"
    CAMPAIGN_NOT_FOUND = "campaign_not_found", "No such campaign.", "营销活动不存在"
    CAMPAIGN_TRANSITION_NOT_ALLOWED = (
        "campaign_transition_not_allowed",
        "The campaign's status does not allow this step.",
        "营销活动当前状态不允许此操作",
    )
    COMPLIANCE_BLOCKED = (
        "compliance_blocked",
        "The text breaks content rules and cannot be published.",
        "文字违反内容规则，不能发布",
    )
    FINDINGS_NOT_ACKNOWLEDGED = (
        "findings_not_acknowledged",
        "The approver must acknowledge the compliance findings.",
        "审批人须确认合规提示",
    )
    FOUR_EYES_REQUIRED = (
        "four_eyes_required",
        "A second person must approve what one person submitted.",
        "提交人不能审批自己的内容，须由另一人审批",
    )
