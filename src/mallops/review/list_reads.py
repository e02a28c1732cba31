"""The API's review queue read with SQL compiled once per process (``core.fixedsql``).

Same rows as ``selectors.queue_rows(selectors.review_queue(actor=…, with_finding_counts=True))``: the
filter, order and finding counts come from ``selectors.queued``; the permission (``listing.review``) is
checked on every call before anything is read, as ``for_platform`` does in the selector.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.fixedsql import FixedQuery
from mallops.core.pagination import FixedPage
from mallops.review.models import ListingVersion
from mallops.review.selectors import queue_row, queue_values, queued


def _queue() -> QuerySet[Any]:
    versions = ListingVersion.objects.unscoped(reason="the review queue: listing.review checked per call")
    return queue_values(queued(versions, with_finding_counts=True))


REVIEW_QUEUE = FixedQuery("review.queue", _queue, json_datetimes=True)


def review_queue_page(*, actor: Actor) -> FixedPage:
    """Versions waiting for review, oldest first (403 without ``listing.review``)."""
    require_permission(actor, "listing.review")
    return FixedPage(
        rows=lambda offset, limit: [queue_row(row) for row in REVIEW_QUEUE.rows(limit=limit, offset=offset)],
        count=REVIEW_QUEUE.count,
    )
