"""Buyer audiences a coupon batch may be issued to, provided by an app above pricing (issue 16, ADR 0006).

Pricing issues coupons to the buyer ids it is given (``coupons.coupons_issue_audience``); which buyers an
RFM segment holds is analytics' question. The coupon pages still show a segment form, so analytics
registers the form's choices here when it starts (``AnalyticsConfig.ready``); without a provider the
pages show no segment choices.

A coupon issued to named buyers is marketing too (PIPL Art. 13-15): which of them consent is dsr's
question, and dsr sits above pricing, so dsr registers the answer when it starts (``DsrConfig.ready``,
``register_marketing_consent``). Without it the issue refuses (``LookupError``), never sends unasked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# merchant id (None: the platform) -> (tag, label, buyers the issue would reach) per segment
SegmentChoices = Callable[[int | None], list[tuple[str, str, int]]]
_PROVIDER: list[SegmentChoices] = []


def register_segment_choices(provider: SegmentChoices) -> None:
    _PROVIDER[:] = [provider]


def segment_choices(merchant_id: int | None) -> list[tuple[str, str, int]]:
    """The segment form's choices for the platform (``None``) or a store; empty without a provider."""
    return _PROVIDER[0](merchant_id) if _PROVIDER else []


# buyer ids -> those of them whose marketing consent is in force
MarketingConsent = Callable[[Iterable[int]], set[int]]
_CONSENT: list[MarketingConsent] = []


def register_marketing_consent(provider: MarketingConsent) -> None:
    _CONSENT[:] = [provider]


def marketing_consenting(buyer_ids: Iterable[int]) -> set[int]:
    """Those of ``buyer_ids`` who consent to marketing now (dsr's answer; LookupError without dsr)."""
    if not _CONSENT:
        raise LookupError("no app registered the marketing consent check (pricing.audiences)")
    return set(_CONSENT[0](buyer_ids))
