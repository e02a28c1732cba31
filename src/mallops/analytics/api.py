"""HTTP API of the analytics app (django-ninja router mounted at /api/v1 without a prefix)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Query as QueryParam

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.analytics import selectors, services
from mallops.analytics.errors import AnalyticsCode
from mallops.analytics.ratelimit import check_events_rate
from mallops.analytics.store.ingest import MAX_API_BATCH
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.core.inputs import Fen, Schema, Text

router = Router(tags=["analytics"], auth=api_auth)


def _batch(request: HttpRequest) -> list[Any]:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise DomainError(
            detail="The body is larger than the server accepts; send smaller batches.",
            code=AnalyticsCode.PAYLOAD_TOO_LARGE,
            status=413,
            title="Payload too large",
        ) from None
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise validation_error([FieldError(("body",), "The body is not valid JSON.", "json")]) from None
    events = body.get("batch") if isinstance(body, dict) else body
    if not isinstance(events, list):
        raise validation_error(
            [FieldError(("body",), 'Send a JSON array of events or {"batch": [...]}.', "type")]
        )
    if len(events) > MAX_API_BATCH:
        raise services.batch_too_large(len(events))
    return events


@router.post(
    "/events",
    auth=None,
    response=dict[str, Any],
    summary="Collect a batch of behaviour events (at most 1,000)",
    description=(
        'Body: a JSON array of events, or {"batch": [...]}. Each event is {uuid, event, distinct_id, '
        "timestamp (RFC 3339 with offset), properties?}. Valid events are stored even when others are "
        "rejected; a uuid seen before counts as a duplicate and changes nothing. Personal properties are "
        "dropped or hashed. Answers {ingested, duplicates, rejected, errors: [{line, msg}]} where line is "
        "the 1-based position in the batch. 413 above 1,000 events, 422 for a body that is not a batch, "
        "429 (code events_rate_limited, Retry-After) when the client's token bucket is empty. "
        "Browser page timing (R3.4.1): event page_timing with properties {page: a page key such as home "
        "or product, load_ms: 0 to 600000}; the KPIs give p50/p95 per page (other shapes are stored but "
        "not counted)."
    ),
)
def post_events(request: HttpRequest) -> dict[str, Any]:
    check_events_rate(request)
    return services.events_ingest(events=_batch(request)).as_dict()


# --- queries -------------------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> Any:
    require_permission(request_actor(request), "analytics.view")
    return request.auth  # type: ignore[attr-defined]


@router.get("/analytics/funnel", response=dict[str, Any], summary="Funnel: users reaching each step (R3.2.4)")
def get_funnel(
    request: HttpRequest,
    steps: str,
    window: float,
    to: str,
    from_: str = QueryParam(..., alias="from"),
    identity: bool = True,
    timing: bool = False,
) -> dict[str, Any]:
    _viewer(request)
    spec = selectors.funnel_spec(steps=steps, window=window, from_=from_, to=to)
    return selectors.funnel_report(spec, resolve_identity=identity, timing=timing)


@router.get("/analytics/retention", response=dict[str, Any], summary="Retention cohorts (R3.2.2)")
def get_retention(
    request: HttpRequest,
    start_event: str,
    return_event: str,
    periods: int,
    to: str,
    from_: str = QueryParam(..., alias="from"),
    identity: bool = True,
) -> dict[str, Any]:
    _viewer(request)
    spec = selectors.retention_spec(
        start_event=start_event, return_event=return_event, periods=periods, from_=from_, to=to
    )
    return selectors.retention_report(spec, resolve_identity=identity)


@router.get(
    "/analytics/paths", response=dict[str, Any], summary="Paths before/after an event, exits (R3.2.6)"
)
def get_paths(
    request: HttpRequest,
    event: str,
    to: str,
    from_: str = QueryParam(..., alias="from"),
    depth: int = 3,
    top: int = 10,
) -> dict[str, Any]:
    _viewer(request)
    return selectors.paths_report(
        event=event,
        from_us=selectors.instant(from_, "from"),
        to_us=selectors.instant(to, "to"),
        depth=depth,
        top=top,
    )


@router.get("/analytics/stats", response=dict[str, Any], summary="Mean, median, std, correlation (R3.1.4)")
def get_stats(
    request: HttpRequest, event: str, properties: str, to: str, from_: str = QueryParam(..., alias="from")
) -> dict[str, Any]:
    _viewer(request)
    names = [name.strip() for name in properties.split(",") if name.strip()]
    return selectors.stats_report(
        event=event,
        properties=names,
        from_us=selectors.instant(from_, "from"),
        to_us=selectors.instant(to, "to"),
    )


@router.get(
    "/analytics/channels", response=dict[str, Any], summary="Users and conversion per channel (R4.1.1)"
)
def get_channels(
    request: HttpRequest,
    to: str,
    from_: str = QueryParam(..., alias="from"),
    conversion_event: str = "order_paid",
) -> dict[str, Any]:
    _viewer(request)
    return selectors.channel_report(
        from_us=selectors.instant(from_, "from"),
        to_us=selectors.instant(to, "to"),
        conversion_event=conversion_event,
    )


@router.get(
    "/analytics/kpis", response=dict[str, Any], summary="KPI registry with period-over-period (R3.4.1/2)"
)
def get_kpis(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.metrics import kpi_report

    return kpi_report(start=start, end=end)


@router.get(
    "/analytics/purchase-behaviour",
    response=dict[str, Any],
    summary="Paid orders by hour of day (Asia/Shanghai) and by payment method (R3.2.2)",
)
def get_purchase_behaviour(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.purchase import purchase_report

    return purchase_report(start=start, end=end)


class CostEntryIn(Schema):
    category: str
    start_on: date
    end_on: date
    amount_fen: Fen
    note: Text = ""


@router.get("/analytics/costs", response=dict[str, Any], summary="Cost inputs per period (R3.4.1)")
def get_costs(request: HttpRequest) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.costs import cost_entries, cost_entry_as_dict

    return {"costs": [cost_entry_as_dict(entry) for entry in cost_entries()[:500]]}


@router.post(
    "/analytics/costs",
    response={201: dict[str, Any]},
    summary="Record advertising, logistics or customer-service spend of a period (R3.4.1; audited)",
)
def post_cost(request: HttpRequest, payload: CostEntryIn) -> Status[dict[str, Any]]:
    from mallops.analytics.costs import cost_entry_as_dict, cost_entry_create

    entry = cost_entry_create(
        actor=request_actor(request),
        category=payload.category,
        start_on=payload.start_on,
        end_on=payload.end_on,
        amount_fen=payload.amount_fen,
        note=payload.note,
    )
    return Status(201, cost_entry_as_dict(entry))


class CostDeleteIn(Schema):
    reason: Text


@router.post(
    "/analytics/costs/{entry_id}/delete",
    response={204: None},
    summary="Remove a mistaken cost entry with a reason (analytics.manage; audited)",
)
def post_cost_delete(request: HttpRequest, entry_id: int, payload: CostDeleteIn) -> Status[None]:
    from mallops.analytics.costs import cost_entry_delete

    cost_entry_delete(
        actor=request_actor(request),
        entry_id=entry_id,
        reason=payload.reason,
    )
    return Status(204, None)


@router.get("/analytics/campaigns", response=dict[str, Any], summary="Campaign report (R1.4.2)")
def get_campaigns(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.metrics import campaign_report

    return campaign_report(start=start, end=end)


class TaskIn(Schema):
    title: str
    team: str
    metric: str = ""
    finding: dict[str, Any] = {}
    due_on: date | None = None


@router.post(
    "/analytics/tasks", response={201: dict[str, Any]}, summary="Turn a KPI finding into a task (R3.4.2)"
)
def post_task(request: HttpRequest, payload: TaskIn) -> Status[dict[str, Any]]:
    task = services.task_create(
        actor=request_actor(request),
        title=payload.title,
        team=payload.team,
        metric=payload.metric,
        finding=payload.finding,
        due_on=payload.due_on,
    )
    return Status(201, {"id": task.pk, "title": task.title, "team": task.team, "status": task.status})


# --- experiments (R3.2.7) ------------------------------------------------------------------------------


class ExperimentIn(Schema):
    key: str
    title: str = ""
    variants: list[dict[str, Any]]
    metric_event: str
    value_property: str = ""
    covariate_event: str = ""
    guardrails: list[str] = []


def _experiment_out(experiment: Any) -> dict[str, Any]:
    return {
        "key": experiment.key,
        "title": experiment.title,
        "status": experiment.status,
        "variants": experiment.variants,
        "metric_event": experiment.metric_event,
        "value_property": experiment.value_property,
        "covariate_event": experiment.covariate_event,
        "guardrails": experiment.guardrails,
        "started_at": experiment.started_at.isoformat(),
    }


@router.post("/analytics/experiments", response={201: dict[str, Any]}, summary="Create and start an A/B test")
def post_experiment(request: HttpRequest, payload: ExperimentIn) -> Status[dict[str, Any]]:
    experiment = services.experiment_create(
        actor=request_actor(request),
        key=payload.key,
        title=payload.title,
        variants=payload.variants,
        metric_event=payload.metric_event,
        value_property=payload.value_property,
        covariate_event=payload.covariate_event,
        guardrails=payload.guardrails,
    )
    return Status(201, _experiment_out(experiment))


class ExposureIn(Schema):
    distinct_id: str


@router.post(
    "/experiments/{key}/exposure",
    auth=None,
    response=dict[str, Any],
    summary="The caller's variant; logs the first exposure (storefront call, no sign-in)",
)
def post_exposure(request: HttpRequest, key: str, payload: ExposureIn) -> dict[str, Any]:
    if not payload.distinct_id:
        raise validation_error(
            [FieldError(("body", "distinct_id"), "A distinct_id is required.", "required")]
        )
    experiment = services.experiment_by_key(key)
    return {
        "experiment": key,
        "variant": services.experiment_assign(experiment=experiment, distinct_id=payload.distinct_id),
    }


@router.get("/analytics/experiments/{key}/results", response=dict[str, Any], summary="A/B test results")
def get_experiment_results(request: HttpRequest, key: str) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.experiments import experiment_results

    return experiment_results(services.experiment_by_key(key))


# --- segments, churn, lifecycle ------------------------------------------------------------------------


def _manager(request: HttpRequest) -> Any:
    require_permission(request_actor(request), "analytics.manage")
    return request.auth  # type: ignore[attr-defined]


@router.get("/analytics/segments", response=dict[str, Any], summary="RFM segment sizes per tag (R3.2.5)")
def get_segments(request: HttpRequest) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.modelling import segments_summary

    return segments_summary()


@router.post("/analytics/segments/refresh", response=dict[str, Any], summary="Recompute RFM segments now")
def post_segments_refresh(request: HttpRequest, as_of: date | None = None) -> dict[str, Any]:
    _manager(request)
    selectors.check_day(as_of, "as_of")
    from mallops.analytics.modelling import segments_refresh

    return {"tags": segments_refresh(as_of=as_of)}


@router.post("/analytics/churn/train", response=dict[str, Any], summary="Train the churn-risk model (R3.2.8)")
def post_churn_train(
    request: HttpRequest, as_of: date | None = None, horizon_days: int = 14
) -> dict[str, Any]:
    _manager(request)
    selectors.check_day(as_of, "as_of")
    if not 1 <= horizon_days <= 365:
        raise validation_error([FieldError(("query", "horizon_days"), "From 1 to 365 days.", "range")])
    from mallops.analytics.churn import NotEnoughData
    from mallops.analytics.modelling import churn_train

    try:
        run = churn_train(as_of=as_of, horizon_days=horizon_days)
    except NotEnoughData as exc:
        raise validation_error([FieldError(("query", "as_of"), str(exc), "not_enough_data")]) from exc
    return {"id": run.pk, **run.result}


@router.get("/analytics/churn", response=dict[str, Any], summary="The latest churn-risk model run")
def get_churn(request: HttpRequest) -> dict[str, Any]:
    _viewer(request)
    from mallops.analytics.models import ModelRun

    run = ModelRun.objects.filter(kind="churn").order_by("-created_at", "-pk").first()
    if run is None:
        from mallops.core.errors import not_found

        raise not_found("churn model run")
    return {"id": run.pk, **run.result}


@router.get("/analytics/lifecycle", response=dict[str, Any], summary="Lifecycle stage per SPU (R2.4.1/2)")
def get_lifecycle(request: HttpRequest, as_of: date | None = None) -> dict[str, Any]:
    _viewer(request)
    selectors.check_day(as_of, "as_of")
    from mallops.analytics.modelling import lifecycle_report

    return lifecycle_report(as_of=as_of)


# --- background jobs -----------------------------------------------------------------------------------


class JobIn(Schema):
    kind: str
    params: dict[str, Any]


@router.post("/analytics/jobs", response={202: dict[str, Any]}, summary="Run a long query in the background")
def post_job(request: HttpRequest, payload: JobIn) -> Status[dict[str, Any]]:
    from mallops.analytics.jobs import job_as_dict, job_start

    job = job_start(actor=request_actor(request), kind=payload.kind, params=payload.params)
    return Status(202, job_as_dict(job))


@router.get(
    "/analytics/jobs/{job_id}", response=dict[str, Any], summary="A background query: progress, result"
)
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    from mallops.analytics.jobs import job_as_dict
    from mallops.analytics.models import QueryJob
    from mallops.core.errors import not_found

    _viewer(request)
    if not 0 < job_id < 2**63:
        raise not_found("query job")
    job = QueryJob.objects.filter(pk=job_id, created_by=request.auth).first()  # type: ignore[attr-defined]
    if job is None:
        raise not_found("query job")
    return job_as_dict(job)


@router.post("/analytics/jobs/{job_id}/cancel", response=dict[str, Any], summary="Cancel a background query")
def post_job_cancel(request: HttpRequest, job_id: int) -> dict[str, Any]:
    from mallops.analytics.jobs import job_as_dict, job_cancel

    return job_as_dict(job_cancel(actor=request_actor(request), job_id=job_id))
