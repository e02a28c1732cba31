"""The marketing app's problem codes: the ``code`` of its problem+json answers (values never change)."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class MarketingCode(ProblemCode):
    CHANNEL_EXISTS = (
        "channel_exists",
        "A channel with this code or UTM source exists.",
        "渠道编码或 UTM 来源已存在",
    )
    CHANNEL_NOT_FOUND = "channel_not_found", "No such channel.", "渠道不存在"
