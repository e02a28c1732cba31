"""Where product reviews send their events for the review analytics.

Analytics sits above product_reviews in the app graph (docs/adr/0006), so product_reviews does not import
it: analytics registers its ``analytics_track`` here when it starts (``AnalyticsConfig.ready``). Without it
a review write fails (``LookupError``) rather than leaving the review report silently short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TRACK: list[Callable[..., Any]] = []


def register_tracker(track: Callable[..., Any]) -> None:
    """``track(event=, distinct_id=, properties=, at=, uuid=)`` stores one event."""
    _TRACK[:] = [track]


def tracker() -> Callable[..., Any]:
    if not _TRACK:
        raise LookupError("no app registered the review analytics tracker (product_reviews.analytics_feed)")
    return _TRACK[0]
