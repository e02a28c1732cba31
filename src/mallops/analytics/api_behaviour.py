"""HTTP API of browse behaviour, reviews and conversion levers (R3.2.1, R3.2.3, R3.3.3).

A django-ninja router mounted at /api/v1 next to the analytics router; reads need ``analytics.view``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.analytics import behaviour, behaviour_levers
from mallops.core.inputs import Schema

router = Router(tags=["analytics"], auth=api_auth)


def _viewer(request: HttpRequest) -> None:
    require_permission(request_actor(request), "analytics.view")


@router.get(
    "/analytics/behaviour",
    response=dict[str, Any],
    summary="Browse behaviour: dwell time, click-through and add-to-cart rates (R3.2.1)",
    description=(
        "Asia/Shanghai days start..end (inclusive, at most 366). Totals, per day, per channel group (the "
        "session's landing channel), dwell time per page and click-through rate per placement."
    ),
)
def get_behaviour(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    _viewer(request)
    return behaviour.browse_report(start=start, end=end)


@router.get(
    "/analytics/reviews",
    response=dict[str, Any],
    summary="Reviews: count, mean score, histogram, negative share, top terms (R3.2.3)",
    description="Negative means score <= 2. `top` (1-100) limits the SPU, term and latest-review lists.",
)
def get_reviews(request: HttpRequest, start: date, end: date, top: int = 20) -> dict[str, Any]:
    _viewer(request)
    return behaviour.review_report(start=start, end=end, top=top)


class ReviewTaskIn(Schema):
    start: date
    end: date
    team: str = "product_ops"
    title: str = ""
    due_on: date | None = None


@router.post(
    "/analytics/reviews/tasks",
    response={201: dict[str, Any]},
    summary="Turn the period's negative reviews into a team task (R3.2.3, R3.4.2)",
)
def post_review_task(request: HttpRequest, payload: ReviewTaskIn) -> Status[dict[str, Any]]:
    task = behaviour.review_task_create(
        actor=request_actor(request),
        start=payload.start,
        end=payload.end,
        team=payload.team,
        title=payload.title,
        due_on=payload.due_on,
    )
    return Status(
        201,
        {
            "id": task.pk,
            "title": task.title,
            "team": task.team,
            "metric": task.metric,
            "status": task.status,
            "finding": task.finding,
        },
    )


@router.get(
    "/analytics/levers",
    response=dict[str, Any],
    summary="Conversion levers: variants, offers, checkout steps, loyalty repurchase (R3.3.3)",
)
def get_levers(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    _viewer(request)
    return behaviour_levers.levers_report(start=start, end=end)
