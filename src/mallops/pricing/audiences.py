"""Buyer audiences a coupon batch may be issued to, provided by an app above pricing (issue 16, ADR 0006).

Pricing issues coupons to the buyer ids it is given (``coupons.coupons_issue_audience``); which buyers an
RFM segment holds is analytics' question. The coupon pages still show a segment form, so analytics
registers the form's choices here when it starts (``AnalyticsConfig.ready``); without a provider the
pages show no segment choices.
"""

from __future__ import annotations

from collections.abc import Callable

# merchant id (None: the platform) -> (tag, label, buyers the issue would reach) per segment
SegmentChoices = Callable[[int | None], list[tuple[str, str, int]]]
_PROVIDER: list[SegmentChoices] = []


def register_segment_choices(provider: SegmentChoices) -> None:
    _PROVIDER[:] = [provider]


def segment_choices(merchant_id: int | None) -> list[tuple[str, str, int]]:
    """The segment form's choices for the platform (``None``) or a store; empty without a provider."""
    return _PROVIDER[0](merchant_id) if _PROVIDER else []
