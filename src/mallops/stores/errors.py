"""The stores app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class StoresCode(ProblemCode):
    COMPLIANCE_BLOCKED = (
        "compliance_blocked",
        "The text breaks content rules and cannot be published.",
        "内容违反发布规则，不能发布",
    )
    NOTICE_NOT_PENDING = (
        "notice_not_pending",
        "The announcement is not waiting for review.",
        "公告不在待审核状态",
    )
