"""The content app's problem codes (issue 21): the ``code`` of its problem+json answers."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ContentCode(ProblemCode):
    COMPLIANCE_BLOCKED = (
        "compliance_blocked",
        "The text breaks content rules and cannot be published.",
        "文字违反内容规则，不能发布",
    )
    POST_TRANSITION_NOT_ALLOWED = (
        "post_transition_not_allowed",
        "The post's status does not allow this step.",
        "内容当前状态不允许此操作",
    )
    POST_NOT_EDITABLE = "post_not_editable", "Only a draft post can be edited.", "只有草稿可以修改"
    FOUR_EYES_REQUIRED = (
        "four_eyes_required",
        "A second person must approve what one person submitted.",
        "提交人不能审批自己的内容，须由另一人审批",
    )
    FINDINGS_NOT_ACKNOWLEDGED = (
        "findings_not_acknowledged",
        "The approver must acknowledge the compliance findings.",
        "审批人须确认合规提示",
    )
    PRIZE_OVER_CAP = (
        "prize_over_cap",
        "A single prize is worth more than the lawful cap (50,000 yuan by default).",
        "单个奖品价值超过法定上限（默认 5 万元）",
    )
    DRAW_RULES_LOCKED = (
        "draw_rules_locked",
        "A lucky draw's rules and prizes cannot change after it starts.",
        "抽奖开始后规则和奖品不得变更",
    )
    DRAW_NOT_OPEN = "draw_not_open", "The lucky draw is not open.", "抽奖未在进行中"
    POST_NOT_PUBLISHED = (
        "post_not_published",
        "Interactions are recorded only for a published post.",
        "只有已发布的内容可以登记互动数据",
    )
