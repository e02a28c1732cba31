"""What other apps may read of product reviews (frozen dataclasses; never the models)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductScore:
    """A product's visible reviews: count, mean rating (None without reviews), how many are negative
    (rating ≤ 2) and their share (0.0 without reviews)."""

    product_id: int
    count: int
    mean_rating: float | None
    negative: int
    negative_share: float
