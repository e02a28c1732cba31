"""The after-sales counts risk's early-warning metrics read (``risk.metrics``; risk sits below after-sales)."""

from __future__ import annotations

from datetime import datetime

from mallops.aftersales.models import MONEY_KINDS, AfterSalesRequest, Dispute

WHY = "platform-wide early-warning metric"


def money_requests_opened(since: datetime, until: datetime) -> int:
    """Refund and return requests created in ``[since, until)``, every store."""
    return int(
        AfterSalesRequest.objects.unscoped(reason=WHY)
        .filter(created_at__gte=since, created_at__lt=until, kind__in=list(MONEY_KINDS))
        .count()
    )


def disputes_opened(since: datetime, until: datetime) -> int:
    """Disputes (platform intervention) opened in ``[since, until)``, every store."""
    return int(Dispute.objects.unscoped(reason=WHY).filter(opened_at__gte=since, opened_at__lt=until).count())


def connect() -> None:
    from mallops.risk.metrics import register_count

    register_count("money_requests_opened", money_requests_opened)
    register_count("disputes_opened", disputes_opened)
