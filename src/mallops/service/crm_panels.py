"""Sections of the customer page (``service.views_crm``) that apps above service provide.

Analytics sits above service in the app graph (docs/adr/0006) and counts the buyer's complaints through
``service.selectors``; so service does not import analytics: analytics registers the buyer's RFM segment
here when it starts (``AnalyticsConfig.ready``). After-sales is a peer of service (one line of the graph,
neither imports the other): the console, above both, registers the buyer's after-sales requests
(``ConsoleConfig.ready``). Without a reader the page refuses (``LookupError``) instead of showing a buyer
as unscored or without requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mallops.core.actors import Actor

_SEGMENT: list[Callable[..., Any]] = []
_REQUESTS: list[Callable[..., list[Any]]] = []


def register_buyer_segment(reader: Callable[..., Any]) -> None:
    """``reader(username=...)``: the buyer's segment (tag and R/F/M scores) or None when not scored."""
    _SEGMENT[:] = [reader]


def buyer_segment(*, username: str) -> Any:
    if not _SEGMENT:
        raise LookupError("no app registered the buyer segment (service.crm_panels)")
    return _SEGMENT[0](username=username)


def register_buyer_requests(reader: Callable[..., list[Any]]) -> None:
    """``reader(actor=..., buyer_id=...)``: the buyer's after-sales requests in every store, newest first
    (403 without ``aftersales.handle``)."""
    _REQUESTS[:] = [reader]


def buyer_requests(*, actor: Actor, buyer_id: int) -> list[Any]:
    if not _REQUESTS:
        raise LookupError("no app registered the buyer's after-sales requests (service.crm_panels)")
    return _REQUESTS[0](actor=actor, buyer_id=buyer_id)
