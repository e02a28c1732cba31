"""The payments app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class PaymentsCode(ProblemCode):
    BAD_SIGNATURE = (
        "bad_signature",
        "The provider notification's signature did not verify.",
        "支付通知签名校验失败",
    )
    ILLEGAL_TRANSITION = (
        "illegal_transition",
        "The order's status does not allow a refund.",
        "订单当前状态不能退款",
    )
    NO_PAYMENT = "no_payment", "The order has no paid payment to refund.", "该订单没有可退款的支付"
    ORDER_NOT_PAYABLE = (
        "order_not_payable",
        "Nothing in this checkout can be paid any more.",
        "该结算单已无可支付的订单",
    )
    REFUND_EXCEEDS_ORDER = (
        "refund_exceeds_order",
        "The refund is more than what is left of the order's paid amount.",
        "退款金额超过订单剩余可退金额",
    )
    REFUND_EXCEEDS_PAYMENT = (
        "refund_exceeds_payment",
        "The refund is more than what is left of the payment.",
        "退款金额超过支付单剩余可退金额",
    )
