"""The service app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ServiceCode(ProblemCode):
    ALREADY_PAUSED = (
        "already_paused",
        "The ticket is already waiting for the customer.",
        "工单已在等待客户回复",
    )
    ALREADY_RATED = "already_rated", "The ticket is already rated.", "工单已评价"
    ALREADY_RETIRED = "already_retired", "The version is already retired.", "该版本已停用"
    ALREADY_SPECIAL = "already_special", "The ticket is already a special case.", "工单已是特殊处理"
    COMPLIANCE_BLOCKED = (
        "compliance_blocked",
        "The reply breaks content rules and cannot go out.",
        "回复违反内容规则，不能发送",
    )
    EXPLANATION_REQUIRED = (
        "explanation_required",
        "The complaint passed its deadline: give the reason and a proposed solution first.",
        "投诉已超时：请先填写原因和解决方案",
    )
    NO_POLICY = "no_policy", "No special-case policy is active.", "没有生效的特殊处理规则"
    NO_PUBLISHED_VERSION = (
        "no_published_version",
        "The procedure has no published version.",
        "该处理规程没有已发布的版本",
    )
    NOT_A_COMPLAINT = (
        "not_a_complaint",
        "Only a complaint takes a reason and a proposed solution.",
        "只有投诉工单需要填写原因和解决方案",
    )
    NOT_DRAFT = "not_draft", "Only a draft version can be published.", "只有草稿版本可以发布"
    NOT_PAUSED = "not_paused", "The ticket is not waiting for the customer.", "工单不在等待客户回复状态"
    NOT_RESOLVED = "not_resolved", "A ticket can be rated once it is resolved.", "工单解决后才能评价"
    NOT_SERIOUS = (
        "not_serious",
        "Only a serious complaint is reported to a regulator.",
        "只有严重投诉需要向监管部门报告",
    )
    POLICY_EXISTS = (
        "policy_exists",
        "An active policy already sets this target; edit it instead.",
        "已有生效规则设置该目标，请编辑该规则",
    )
    PROCEDURE_STEPS_OPEN = (
        "procedure_steps_open",
        "Required procedure steps are still open.",
        "仍有必需的规程步骤未完成",
    )
    REPORT_CLOSED = "report_closed", "The regulator report is closed.", "监管报告已关闭"
    TEMPLATE_RETIRED = (
        "template_retired",
        "A retired reply template cannot be edited.",
        "已停用的回复模板不能编辑",
    )
    TICKET_NOT_OPEN = "ticket_not_open", "The ticket is not open.", "工单不在处理中"
    TOO_LATE = (
        "too_late",
        "The customer must be told before the resolution deadline.",
        "必须在解决时限前通知客户",
    )
    TRAINING_REQUIRED = (
        "training_required",
        "Resolving the ticket requires a passed assessment on its procedure.",
        "需要先通过该规程的考核才能解决工单",
    )
    VERSION_RETIRED = (
        "version_retired",
        "The version is retired; train on the current one.",
        "该版本已停用，请学习当前版本",
    )
