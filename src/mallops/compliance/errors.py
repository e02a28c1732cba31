"""The compliance app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ComplianceCode(ProblemCode):
    FINDING_ACCEPTED = (
        "finding_accepted",
        "The finding was accepted; it needs no task.",
        "该问题已被接受，无需整改任务",
    )
    INSPECTION_NOT_FINISHED = "inspection_not_finished", "The inspection has not finished.", "自查尚未完成"
    INSPECTION_NOT_REMEDIATED = (
        "inspection_not_remediated",
        "Some findings are neither remediated nor accepted.",
        "仍有问题既未整改也未接受",
    )
    INSPECTION_RUNNING = "inspection_running", "An inspection is already running.", "已有自查正在进行"
    INSPECTION_SIGNED = "inspection_signed", "The inspection is signed off and frozen.", "自查已签署并冻结"
