"""Tasks API (staff): list, open, assign, start, comment, reschedule, close, cancel. Under /api/v1/tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.core.actors import Actor
from mallops.core.inputs import Id, MultilineText, Schema, Text
from mallops.tasks import selectors, services
from mallops.tasks.models import Kind, Team, WorkTask

router = Router(tags=["tasks"], auth=api_auth)

TeamCode = Literal[
    "cs", "user_ops", "product_ops", "content_ops", "data_ops", "tech_ops", "compliance", "risk"
]
KindCode = Literal[
    "follow_up",
    "second_service",
    "compensation",
    "escalation",
    "regulator_flag",
    "improvement",
    "kpi_follow_up",
    "moderation",
    "other",
]
StatusFilter = Literal["", "active", "open", "in_progress", "done", "cancelled"]

assert set(TeamCode.__args__) == set(Team.values)  # type: ignore[attr-defined]
assert set(KindCode.__args__) == set(Kind.values)  # type: ignore[attr-defined]


class WorkTaskIn(Schema):
    team: TeamCode
    kind: KindCode = "other"
    title: Text = Field(min_length=1, max_length=200)
    detail: MultilineText = Field(default="", max_length=10_000)
    assignee_id: Id | None = None
    due_at: datetime | None = None


class WorkTaskAssignIn(Schema):
    assignee_id: Id


class WorkTaskCommentIn(Schema):
    body: MultilineText = Field(min_length=1, max_length=10_000)


class WorkTaskRescheduleIn(Schema):
    due_at: datetime | None


class WorkTaskCloseIn(Schema):
    outcome: MultilineText = Field(min_length=1, max_length=10_000)


class WorkTaskCancelIn(Schema):
    reason: MultilineText = Field(min_length=1, max_length=10_000)


class WorkTaskListQuery(Schema):
    team: TeamCode | Literal[""] = ""
    status: StatusFilter = "active"
    mine: bool = False
    overdue: bool = False


class WorkTaskCommentOut(Schema):
    author: str
    body: str
    created_at: datetime


class WorkTaskOut(Schema):
    id: int
    team: str
    kind: str
    status: str
    title: str
    detail: str
    source_type: str
    source_id: str
    assignee: str | None
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    closed_at: datetime | None
    outcome: str


class WorkTaskDetailOut(WorkTaskOut):
    comments: list[WorkTaskCommentOut]


class WorkTaskListOut(Schema):
    items: list[WorkTaskOut]
    count: int


def _out(task: WorkTask) -> WorkTaskOut:
    return WorkTaskOut(
        id=task.pk,
        team=task.team,
        kind=task.kind,
        status=task.status,
        title=task.title,
        detail=task.detail,
        source_type=task.source_type,
        source_id=task.source_id,
        assignee=task.assignee.username if task.assignee_id and task.assignee else None,
        due_at=task.due_at,
        overdue=task.overdue_noticed_at is not None and task.closed_at is None,
        created_at=task.created_at,
        closed_at=task.closed_at,
        outcome=task.outcome,
    )


def _detail(actor: Actor, task_id: int) -> WorkTaskDetailOut:
    task = selectors.task_get(actor=actor, task_id=task_id)
    comments = [
        WorkTaskCommentOut(author=c.author.username, body=c.body, created_at=c.created_at)
        for c in task.comments.select_related("author")
    ]
    return WorkTaskDetailOut(**_out(task).model_dump(), comments=comments)


@router.get("/tasks", response=WorkTaskListOut)
def task_list(request: HttpRequest, query: Query[WorkTaskListQuery]) -> WorkTaskListOut:
    actor = request_actor(request)
    rows = selectors.tasks_visible(
        actor=actor, team=query.team, status=query.status, mine=query.mine, overdue=query.overdue
    )
    return WorkTaskListOut(items=[_out(t) for t in rows[:500]], count=rows.count())


@router.post("/tasks", response={201: WorkTaskDetailOut})
def task_create(request: HttpRequest, payload: WorkTaskIn) -> tuple[int, WorkTaskDetailOut]:
    actor = request_actor(request)
    task = services.task_open(actor=actor, **payload.model_dump())
    return 201, _detail(actor, task.pk)


@router.get("/tasks/{task_id}", response=WorkTaskDetailOut)
def task_detail(request: HttpRequest, task_id: int) -> WorkTaskDetailOut:
    actor = request_actor(request)
    return _detail(actor, task_id)


@router.post("/tasks/{task_id}/assign", response=WorkTaskDetailOut)
def task_assign(request: HttpRequest, task_id: int, payload: WorkTaskAssignIn) -> WorkTaskDetailOut:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_assign(actor=actor, task_id=task_id, assignee_id=payload.assignee_id)
    return _detail(actor, task_id)


@router.post("/tasks/{task_id}/start", response=WorkTaskDetailOut)
def task_start(request: HttpRequest, task_id: int) -> WorkTaskDetailOut:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_start(actor=actor, task_id=task_id)
    return _detail(actor, task_id)


@router.post("/tasks/{task_id}/comments", response={201: WorkTaskDetailOut})
def task_comment(
    request: HttpRequest, task_id: int, payload: WorkTaskCommentIn
) -> tuple[int, WorkTaskDetailOut]:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_comment(actor=actor, task_id=task_id, body=payload.body)
    return 201, _detail(actor, task_id)


@router.post("/tasks/{task_id}/reschedule", response=WorkTaskDetailOut)
def task_reschedule(request: HttpRequest, task_id: int, payload: WorkTaskRescheduleIn) -> WorkTaskDetailOut:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_reschedule(actor=actor, task_id=task_id, due_at=payload.due_at)
    return _detail(actor, task_id)


@router.post("/tasks/{task_id}/close", response=WorkTaskDetailOut)
def task_close(request: HttpRequest, task_id: int, payload: WorkTaskCloseIn) -> WorkTaskDetailOut:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_close(actor=actor, task_id=task_id, outcome=payload.outcome)
    return _detail(actor, task_id)


@router.post("/tasks/{task_id}/cancel", response=WorkTaskDetailOut)
def task_cancel(request: HttpRequest, task_id: int, payload: WorkTaskCancelIn) -> WorkTaskDetailOut:
    actor = request_actor(request)
    selectors.task_get(actor=actor, task_id=task_id)
    services.task_cancel(actor=actor, task_id=task_id, reason=payload.reason)
    return _detail(actor, task_id)
