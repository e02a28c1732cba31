"""The aftersales app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class AfterSalesCode(ProblemCode):
    DISPUTE_CLOSED = "dispute_closed", "The dispute is already ruled.", "纠纷已裁决"
    EVIDENCE_WINDOW_CLOSED = (
        "evidence_window_closed",
        "The merchant's evidence window has ended.",
        "商家举证期已结束",
    )
    ILLEGAL_TRANSITION = (
        "illegal_transition",
        "The request's status does not allow this action.",
        "售后单当前状态不允许该操作",
    )
    NO_DISPUTE = "no_dispute", "The request has no dispute.", "该售后单没有纠纷"
    NOT_AWAITING_REVIEW = (
        "not_awaiting_review",
        "The request is not waiting for review.",
        "该售后单不在待复核状态",
    )
    NOT_DISPUTABLE = (
        "not_disputable",
        "Only a rejected request can be disputed.",
        "只有被拒绝的售后单可以申请平台介入",
    )
    ORDER_NOT_ELIGIBLE = (
        "order_not_eligible",
        "The order's status takes no after-sales request.",
        "订单当前状态不能申请售后",
    )
