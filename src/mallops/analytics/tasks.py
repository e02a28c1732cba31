"""Periodic jobs of the analytics app (Huey): load the spool every minute, compact hourly, segments daily."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mallops.analytics import querying
from mallops.analytics.modelling import segments_refresh
from mallops.analytics.storage import get_store


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def analytics_load() -> int:
    """Spool -> Parquet (or ClickHouse), so that dashboards are at most a minute behind (R3.3.2)."""
    return querying.load()


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]
def analytics_compact() -> int:
    """Merge the day's Parquet parts (embedded store only; ClickHouse merges on its own)."""
    if querying.clickhouse() is not None:
        return 0
    return get_store().compact().days_compacted


@db_periodic_task(crontab(hour="3", minute="30"))  # type: ignore[untyped-decorator]
def analytics_segments_refresh() -> dict[str, int]:
    """RFM segments refreshed daily at 03:30 Asia/Shanghai (R3.2.5)."""
    return segments_refresh()


@db_periodic_task(crontab(hour="4", minute="10"))  # type: ignore[untyped-decorator]
def analytics_retention() -> dict[str, int]:
    """Events past the analytics retention period go, day by day (``dsr.retention`` rule analytics.events)."""
    from django.utils import timezone

    from mallops.dsr.retention import run_store_retention

    return run_store_retention(timezone.now())


@db_task()  # type: ignore[untyped-decorator]
def analytics_run_job(job_id: int) -> None:
    from mallops.analytics.jobs import job_run

    job_run(job_id)
