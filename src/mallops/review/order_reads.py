"""The listing reads orders asks for (registered in ``ReviewConfig.ready`` through
``orders.listings.register_listing_reads``: orders sits below review and imports no review)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from mallops.review.models import Listing, ListingStatus


def live_product_ids(product_ids: Iterable[int]) -> set[int]:
    """Those of ``product_ids`` whose listing is live (checkout and the cart quote sell only those)."""
    return set(
        Listing.objects.unscoped(reason="checkout reads public listings")
        .filter(product_id__in=set(product_ids), status=ListingStatus.LIVE)
        .values_list("product_id", flat=True)
    )


def listing_status_subquery(product_ref: Any) -> QuerySet[Listing]:
    """The status of the listing of the product ``product_ref`` (an ``OuterRef``), for a ``Subquery``."""
    listing = Listing.objects.unscoped(reason="the store's own listings (outer query scoped)").filter(
        product_id=product_ref
    )
    rows: QuerySet[Listing] = listing.values("status")[:1]
    return rows
