"""What orders asks about a product's listing (review sits above orders in docs/adr/0006, so orders does not
read listings): review registers the answers when it starts (``register_listing_reads`` in
``ReviewConfig.ready``). An answer nobody registered raises ``LookupError`` (checkout must not sell a
product because it could not see the listing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_READS: dict[str, Callable[..., Any]] = {}


def register_listing_reads(
    *, live_product_ids: Callable[[Iterable[int]], set[int]], status_subquery: Callable[[Any], Any]
) -> None:
    """``live_product_ids(ids)``: those of the catalogue product ids whose listing is live (one query);
    ``status_subquery(product_ref)``: a one-column queryset of the status of the listing of the product
    ``product_ref`` (an ``OuterRef``) for a ``Subquery`` annotation (None when never submitted)."""
    _READS["live"] = live_product_ids
    _READS["status"] = status_subquery


def _read(name: str) -> Callable[..., Any]:
    try:
        return _READS[name]
    except KeyError:
        raise LookupError("the review app registered no listing reads (orders.listings)") from None


def live_product_ids(product_ids: Iterable[int]) -> set[int]:
    return set(_read("live")(product_ids))


def listing_status_subquery(product_ref: Any) -> Any:
    return _read("status")(product_ref)
