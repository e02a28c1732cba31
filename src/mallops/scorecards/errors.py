"""The scorecards app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ScorecardsCode(ProblemCode):
    INCENTIVE_RUN_CLOSED = (
        "incentive_run_closed",
        "The period's incentive run is already approved.",
        "本期激励核算已审批",
    )
    INCENTIVE_RUN_NOT_APPROVED = (
        "incentive_run_not_approved",
        "Only an approved run can be locked.",
        "只有已审批的核算可以锁定",
    )
    INCENTIVE_RUN_NOT_DRAFT = (
        "incentive_run_not_draft",
        "Only a draft run can be approved.",
        "只有草稿核算可以审批",
    )
    SCORECARD_FORBIDDEN = "scorecard_forbidden", "The caller may not see this scorecard.", "无权查看该绩效卡"
