"""The pricing app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class PricingCode(ProblemCode):
    COUPON_BATCH_BLOCKED = (
        "coupon_batch_blocked",
        "A legal check blocks the coupon batch.",
        "合规检查阻止创建该优惠券批次",
    )
    COUPON_BATCH_CANCELLED = "coupon_batch_cancelled", "The coupon batch is cancelled.", "优惠券批次已取消"
    COUPON_BATCH_ENDED = "coupon_batch_ended", "The coupon batch has ended.", "优惠券批次已结束"
    COUPON_BATCH_EXHAUSTED = (
        "coupon_batch_exhausted",
        "All coupons of the batch have been issued.",
        "该批次优惠券已发完",
    )
    COUPON_BATCH_ISSUED = (
        "coupon_batch_issued",
        "Coupons of the batch were issued: its terms can no longer change.",
        "该批次已发放，规则不能再改",
    )
    COUPON_LIMIT_REACHED = (
        "coupon_limit_reached",
        "The buyer holds as many of these coupons as allowed.",
        "已达到该优惠券的领取上限",
    )
    COUPON_UNAVAILABLE = (
        "coupon_unavailable",
        "The coupon is used, expired or not yet valid.",
        "优惠券已使用、已过期或未生效",
    )
    PROMOTION_BAD_TRANSITION = (
        "promotion_bad_transition",
        "The promotion cannot move to that status.",
        "促销活动不能变更到该状态",
    )
    PROMOTION_BLOCKED = (
        "promotion_blocked",
        "A legal check blocks the promotion going live.",
        "合规检查阻止该促销上线",
    )
    PROMOTION_EXHAUSTED = (
        "promotion_exhausted",
        "The buyer has used the promotion as often as allowed.",
        "已达到该促销的参与次数上限",
    )
    PROMOTION_NOT_DRAFT = (
        "promotion_not_draft",
        "Only a draft promotion can be edited.",
        "只有草稿状态的促销可以编辑",
    )
    PROMOTION_NOT_LIVE = "promotion_not_live", "The promotion is not live.", "促销活动未上线"
