"""The product's visible review count for the listing quality score, registered by the app that composes
review and product_reviews.

Product reviews are a peer of listing review on one line of the app graph (docs/adr/0006): neither may
import the other, so the console (above both) registers ``product_reviews.selectors.visible_review_count``
here when it starts (``ConsoleConfig.ready``). Nobody registered raises ``LookupError``: a quality score is
never computed as if the product had no reviews.
"""

from __future__ import annotations

from collections.abc import Callable

_COUNTER: list[Callable[..., int]] = []


def register_review_counter(counter: Callable[..., int]) -> None:
    """``counter(product_id=...)``: the number of the product's reviews buyers see."""
    _COUNTER[:] = [counter]


def visible_review_count(*, product_id: int) -> int:
    if not _COUNTER:
        raise LookupError("no app registered the product review count (review.review_counts)")
    return _COUNTER[0](product_id=product_id)
