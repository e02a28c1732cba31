"""The product_reviews app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ProductReviewsCode(ProblemCode):
    ALREADY_FOLLOWED_UP = "already_followed_up", "The review already has a follow-up.", "该评价已有追评"
    ALREADY_REPLIED = "already_replied", "The review already has a reply.", "该评价已有回复"
    ALREADY_REVIEWED = "already_reviewed", "The order line has already been reviewed.", "该商品行已评价"
    COMPLIANCE_BLOCKED = (
        "compliance_blocked",
        "The text breaks content rules and cannot be published.",
        "内容违反发布规则，不能发布",
    )
    FOLLOW_UP_CLOSED = "follow_up_closed", "The follow-up window has passed.", "已超过追评期限"
    ILLEGAL_TRANSITION = (
        "illegal_transition",
        "The text's status does not allow this action.",
        "内容当前状态不允许该操作",
    )
    NOT_A_BUYER_OF_PRODUCT = (
        "not_a_buyer_of_product",
        "Only buyers who bought the product can answer.",
        "只有购买过该商品的买家可以回答",
    )
    NOT_DELIVERED = (
        "not_delivered",
        "Only a delivered or completed order can be reviewed.",
        "只有已签收或已完成的订单可以评价",
    )
