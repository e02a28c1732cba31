"""Sections of the customer page (``service.views_crm``) that apps above service provide.

Analytics sits above service in the app graph (docs/adr/0006) and counts the buyer's complaints through
``service.selectors``; so service does not import analytics: analytics registers the buyer's RFM segment
here when it starts (``AnalyticsConfig.ready``). Without it the page refuses (``LookupError``) instead of
showing a buyer as unscored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_SEGMENT: list[Callable[..., Any]] = []


def register_buyer_segment(reader: Callable[..., Any]) -> None:
    """``reader(username=...)``: the buyer's segment (tag and R/F/M scores) or None when not scored."""
    _SEGMENT[:] = [reader]


def buyer_segment(*, username: str) -> Any:
    if not _SEGMENT:
        raise LookupError("no app registered the buyer segment (service.crm_panels)")
    return _SEGMENT[0](username=username)
