"""Long queries in the background (Huey) with stored progress and cancellation.

``job_start`` records a :class:`~mallops.analytics.models.QueryJob` and queues it; the worker runs it in
steps, writing the progress after each step and stopping at the next step once the job was cancelled.
A KPI report over many days is computed day by day (one step per day); funnel, retention and paths run
as one query step after loading the spool.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from mallops.accounts.services import require_permission
from mallops.analytics import selectors
from mallops.analytics.errors import AnalyticsCode
from mallops.analytics.models import QueryJob
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error

KINDS = ("funnel", "retention", "paths", "kpis")


class Cancelled(Exception):
    pass


def _validate(kind: str, params: dict[str, Any]) -> Callable[[Callable[[int], None]], dict[str, Any]]:
    """Check the parameters now (422 before anything is queued) and return the runner."""
    try:
        return _runner(kind, params)
    except (TypeError, ValueError, OverflowError):
        raise validation_error(
            [FieldError(("body", "params"), f"Invalid parameters for a {kind} query.")]
        ) from None


def _runner(kind: str, params: dict[str, Any]) -> Callable[[Callable[[int], None]], dict[str, Any]]:
    if kind == "funnel":
        spec = selectors.funnel_spec(
            steps=str(params.get("steps", "")),
            window=float(params.get("window", -1)),
            from_=str(params.get("from", "")),
            to=str(params.get("to", "")),
        )
        return lambda progress: selectors.funnel_report(spec)
    if kind == "retention":
        rspec = selectors.retention_spec(
            start_event=str(params.get("start_event", "")),
            return_event=str(params.get("return_event", "")),
            periods=int(params.get("periods", 0)),
            from_=str(params.get("from", "")),
            to=str(params.get("to", "")),
        )
        return lambda progress: selectors.retention_report(rspec)
    if kind == "paths":
        event = str(params.get("event", ""))
        from_us = selectors.instant(str(params.get("from", "")), "from")
        to_us = selectors.instant(str(params.get("to", "")), "to")
        return lambda progress: selectors.paths_report(event=event, from_us=from_us, to_us=to_us)
    if kind == "kpis":
        try:
            start = date.fromisoformat(str(params.get("start")))
            end = date.fromisoformat(str(params.get("end")))
        except ValueError:
            raise validation_error(
                [FieldError(("body", "params"), "start and end are YYYY-MM-DD dates.")]
            ) from None
        from mallops.analytics.metrics import check_range

        check_range(start, end, max_days=367)
        return lambda progress: _kpis_by_day(start, end, progress)
    raise validation_error([FieldError(("body", "kind"), f"One of {', '.join(KINDS)}.", "choice")])


def _kpis_by_day(start: date, end: date, progress: Callable[[int], None]) -> dict[str, Any]:
    from mallops.analytics.facts import load_rows
    from mallops.analytics.metrics import compute, facts_between, period_bounds

    rows = load_rows(*period_bounds(start, end))
    days = (end - start).days + 1
    series = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        series.append({"date": day.isoformat(), **compute(facts_between(rows, *period_bounds(day, day)))})
        progress(5 + 95 * (offset + 1) // days)
    return {"start": start.isoformat(), "end": end.isoformat(), "days": series}


@transaction.atomic
def job_start(*, actor: Actor, kind: str, params: dict[str, Any]) -> QueryJob:
    require_permission(actor, "analytics.view")
    _validate(kind, params)
    job = QueryJob.objects.create(kind=kind, params=params, created_by_id=actor.user_id or 0)
    from mallops.analytics.tasks import analytics_run_job

    transaction.on_commit(lambda: analytics_run_job(job.pk))
    return job


def job_cancel(*, actor: Actor, job_id: int) -> QueryJob:
    require_permission(actor, "analytics.view")
    if not 0 < job_id < 2**63:
        raise not_found("query job")
    job = QueryJob.objects.filter(pk=job_id, created_by_id=actor.user_id).first()
    if job is None:
        raise not_found("query job")
    updated = QueryJob.objects.filter(
        pk=job_id, status__in=[QueryJob.Status.QUEUED, QueryJob.Status.RUNNING]
    ).update(status=QueryJob.Status.CANCELLED)
    if not updated:
        raise conflict("The job has already finished.", code=AnalyticsCode.JOB_FINISHED)
    job.refresh_from_db()
    return job


def job_run(job_id: int) -> None:
    """The worker's side: run the job step by step, honouring a cancellation between steps."""
    if not QueryJob.objects.filter(pk=job_id, status=QueryJob.Status.QUEUED).update(
        status=QueryJob.Status.RUNNING, progress=1
    ):
        return  # cancelled before it started, or already taken

    def progress(percent: int) -> None:
        if not QueryJob.objects.filter(pk=job_id, status=QueryJob.Status.RUNNING).update(progress=percent):
            raise Cancelled

    job = QueryJob.objects.get(pk=job_id)
    try:
        runner = _validate(job.kind, job.params)
        progress(5)
        result = runner(progress)
        progress(100)
    except Cancelled:
        return
    except Exception as exc:
        QueryJob.objects.filter(pk=job_id, status=QueryJob.Status.RUNNING).update(
            status=QueryJob.Status.FAILED, error=str(exc)[:2000]
        )
        return
    QueryJob.objects.filter(pk=job_id, status=QueryJob.Status.RUNNING).update(
        status=QueryJob.Status.DONE, result=result, progress=100
    )


def job_as_dict(job: QueryJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "params": job.params,
        "status": job.status,
        "progress": job.progress,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
    }
