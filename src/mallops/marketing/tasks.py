"""Periodic jobs of marketing (Huey): tier strategies daily, campaign starts and ends every five minutes."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="4", minute="40"))  # type: ignore[untyped-decorator]
def marketing_strategies_run() -> dict[str, int]:
    """Every active tier strategy, after the 03:30 segment refresh and the 03:20 tier recompute (R4.1.2)."""
    from mallops.marketing.strategies import strategies_run_scheduled

    return strategies_run_scheduled(now=timezone.now())


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def marketing_campaigns_sweep() -> dict[str, int]:
    """Scheduled campaigns start (deliver) when their time comes; running ones finish at their end."""
    from mallops.marketing.campaigns import campaigns_sweep

    return campaigns_sweep(now=timezone.now())
