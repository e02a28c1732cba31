"""Tasks (issue 15): open, assign, comment, close with an outcome, overdue notice; API and console."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core import sweeps
from mallops.core.errors import DomainError
from mallops.tasks import selectors, services
from mallops.tasks.models import Status, TaskNotice, WorkTask
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def team() -> dict[str, Any]:
    return {
        "supervisor": make_staff("cs_supervisor", username="sup"),
        "agent": make_staff("cs_agent", username="agent"),
        "other": make_staff("cs_agent", username="agent2"),
        "reviewer": make_staff("listing_reviewer", username="rev"),
    }


def test_a_task_is_assigned_commented_and_closed_with_its_outcome(team: dict[str, Any]) -> None:
    sup, agent = team["supervisor"], team["agent"]
    task = services.task_open(actor=actor_of(sup), team="cs", kind="follow_up", title="Call the buyer back")
    assert (task.status, task.assignee_id, task.created_by_id) == (Status.OPEN, None, sup.pk)
    services.task_assign(actor=actor_of(sup), task_id=task.pk, assignee_id=agent.pk)
    assert TaskNotice.objects.filter(recipient=agent, task=task, kind="assigned").count() == 1
    services.task_start(actor=actor_of(agent), task_id=task.pk)
    services.task_comment(actor=actor_of(agent), task_id=task.pk, body="Phoned twice, no answer")
    closed = services.task_close(
        actor=actor_of(agent), task_id=task.pk, outcome="Reached on the third call; refund explained"
    )
    assert (closed.status, closed.closed_by_id, closed.outcome) == (
        Status.DONE,
        agent.pk,
        "Reached on the third call; refund explained",
    )
    actions = list(
        AuditEvent.objects.filter(object_type="tasks.worktask", object_id=str(task.pk))
        .values_list("action", flat=True)
        .order_by("pk")
    )
    assert actions == ["task.open", "task.assign", "task.start", "task.comment", "task.close"]


def test_only_managers_assign_and_only_the_assignee_or_a_manager_closes(team: dict[str, Any]) -> None:
    sup, agent, other = team["supervisor"], team["agent"], team["other"]
    task = services.task_open(actor=actor_of(sup), team="cs", title="Compensate", assignee_id=agent.pk)
    with pytest.raises(DomainError) as refused:
        services.task_assign(actor=actor_of(agent), task_id=task.pk, assignee_id=other.pk)
    assert refused.value.code == "task_forbidden"
    with pytest.raises(DomainError) as refused:
        services.task_close(actor=actor_of(other), task_id=task.pk, outcome="done")
    assert refused.value.code == "task_forbidden"
    with pytest.raises(DomainError) as empty:
        services.task_close(actor=actor_of(agent), task_id=task.pk, outcome="  ")
    assert [e.loc for e in empty.value.errors] == [("body", "outcome")]
    with pytest.raises(DomainError) as outsider:  # a reviewer is no member of customer service
        services.task_assign(actor=actor_of(sup), task_id=task.pk, assignee_id=team["reviewer"].pk)
    assert [e.loc for e in outsider.value.errors] == [("body", "assignee_id")]
    services.task_close(actor=actor_of(agent), task_id=task.pk, outcome="Voucher of 5 yuan sent")
    with pytest.raises(DomainError) as again:
        services.task_close(actor=actor_of(sup), task_id=task.pk, outcome="twice")
    assert again.value.code == "task_closed"


def test_the_overdue_sweep_notifies_the_assignee_once_and_the_managers_when_nobody_is_assigned(
    team: dict[str, Any],
) -> None:
    sup, agent = team["supervisor"], team["agent"]
    now = timezone.now()
    mine = services.task_open(
        actor=actor_of(sup), team="cs", title="Mine", assignee_id=agent.pk, due_at=now - timedelta(minutes=1)
    )
    nobody = services.task_open(
        actor=actor_of(sup), team="cs", title="Nobody's", due_at=now - timedelta(minutes=1)
    )
    later = services.task_open(actor=actor_of(sup), team="cs", title="Later", due_at=now + timedelta(days=1))
    done = services.task_open(
        actor=actor_of(sup), team="cs", title="Done", assignee_id=agent.pk, due_at=now - timedelta(minutes=1)
    )
    services.task_close(actor=actor_of(agent), task_id=done.pk, outcome="ok")
    sweeper = sweeps.registered()["tasks.overdue_notice"]
    assert sweeps.run_sweeper(sweeper) == 2
    assert sweeps.run_sweeper(sweeper) == 0
    overdue = TaskNotice.objects.filter(kind="overdue")
    assert sorted((n.task_id, n.recipient_id) for n in overdue) == sorted(
        [(mine.pk, agent.pk), (nobody.pk, sup.pk)]
    )
    assert WorkTask.objects.get(pk=later.pk).notice_due_at is not None
    # a new due time arms the notice again
    services.task_reschedule(actor=actor_of(sup), task_id=mine.pk, due_at=now - timedelta(seconds=1))
    assert sweeps.run_sweeper(sweeper) == 1
    assert overdue.filter(task=mine).count() == 1


def test_the_api_lists_only_the_callers_teams_and_refuses_outsiders(team: dict[str, Any]) -> None:
    sup, agent = team["supervisor"], team["agent"]
    services.task_open(actor=actor_of(sup), team="cs", title="CS work")
    compliance = make_staff("compliance_auditor", username="aud")
    services.task_open(actor=actor_of(compliance), team="compliance", title="Fix the policy text")
    client = ApiClient(token=token_for(agent))
    listed = client.get_json("/api/v1/tasks").json()
    assert [t["title"] for t in listed["items"]] == ["CS work"]
    manager = ApiClient(token=token_for(sup))
    created = manager.post_json(
        "/api/v1/tasks",
        {"team": "cs", "title": "Second service", "kind": "second_service", "assignee_id": agent.pk},
    ).json()
    assert created["assignee"] == "agent" and created["status"] == "open"
    refused = client.post_json("/api/v1/tasks", {"team": "cs", "title": "x"})
    assert refused.status_code == 403 and refused.json()["code"] == "task_forbidden"
    closed = client.post_json(f"/api/v1/tasks/{created['id']}/close", {"outcome": "Revisited, solved"}).json()
    assert (closed["status"], closed["outcome"]) == ("done", "Revisited, solved")
    bad = manager.post_json("/api/v1/tasks", {"team": "sales", "title": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "payload", "team"]
    _merchant, owner = make_merchant()
    assert ApiClient(token=token_for(owner)).get_json("/api/v1/tasks").json()["items"] == []
    other_team = WorkTask.objects.get(title="Fix the policy text")
    assert (
        client.get(
            f"/api/v1/tasks/{other_team.pk}", headers={"Authorization": f"Bearer {token_for(agent)}"}
        ).status_code
        == 404
    )


def test_the_console_board_opens_and_closes_a_task(team: dict[str, Any]) -> None:
    sup, agent = team["supervisor"], team["agent"]
    console = Client()
    console.force_login(sup)
    page = console.post(
        "/tasks/new",
        {
            "team": "cs",
            "kind": "follow_up",
            "title": "跟进差评买家",
            "detail": "",
            "assignee_id": str(agent.pk),
            "due_at": "",
        },
    )
    task = WorkTask.objects.get(title="跟进差评买家")
    assert page.status_code == 302 and task.assignee_id == agent.pk
    console.force_login(agent)
    board = console.get("/tasks/?team=cs", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (
        board.status_code == 200
        and "跟进差评买家" in board.content.decode()
        and "任务看板" in board.content.decode()
    )
    console.post(f"/tasks/{task.pk}/close", {"outcome": "已回电，买家满意"})
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("done", "已回电，买家满意")
    reviewer = Client()
    reviewer.force_login(team["reviewer"])
    assert reviewer.get("/tasks/").status_code == 403
    assert selectors.teams_of(team["reviewer"]) == []
