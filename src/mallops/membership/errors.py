"""The membership app's problem codes: the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class MembershipCode(ProblemCode):
    POINTS_COUPON_UNAVAILABLE = (
        "points_coupon_unavailable",
        "This coupon cannot be taken for points now.",
        "该优惠券当前无法用积分兑换",
    )
    POINTS_INSUFFICIENT = "points_insufficient", "Not enough points.", "积分不足"
    BIRTHDAY_CHANGE_LIMITED = (
        "birthday_change_limited",
        "The birthday can change once every 365 days.",
        "生日每 365 天只能修改一次",
    )
